import { createRequire } from 'node:module';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { currentConfig } from '@opensoc/config';
import { TASK_QUEUES } from '@opensoc/contracts';
import type { Db } from '@opensoc/db';
import type { ArtifactStore } from '@opensoc/storage';
import { createOrchestrationActivities } from './activities/orchestration.ts';
import { createTrainingActivities, type TrainingOptions } from './activities/training.ts';
import { ensureBackend } from './model-service.ts';

export type QueueRole = 'orchestration' | 'train-cpu' | 'train-gpu';

let cachedBundle: Promise<WorkflowBundleWithSourceMap> | undefined;
/** Bundles workflows/ once per process (webpack takes seconds); production can prebuild it. */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  cachedBundle ??= bundleWorkflowCode({
    workflowsPath: createRequire(import.meta.url).resolve('@opensoc/workflows'),
    logger: { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} } as never,
  });
  return cachedBundle;
}

/** The database is needed only by the orchestration role; training workers use Temporal and S3 alone. */
export interface WorkerDeps { db?: Db; store: ArtifactStore; temporalAddress: string; namespace: string }

export interface RunningWorkers {
  workers: Worker[];
  /** Resolves when every worker has stopped. */
  done: Promise<void>;
  /** Graceful stop: no new tasks; running activities are cancelled after the grace time (training checkpoints first). */
  shutdown(): Promise<void>;
}

/**
 * Starts one worker per role on its task queue. A training worker runs one training at a time
 * (one per device); the orchestration worker runs the workflows and the light activities.
 */
let runtimeInstalled = false;
/** The SDK logs every state change at INFO; keep warnings and errors (OPENSOC_WORKER_LOG=INFO for more). */
function installRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  try {
    Runtime.install({ logger: new DefaultLogger(currentConfig().worker.logLevel) });
  } catch {
    // Already installed by the host (tests may install their own).
  }
}

export async function startWorkers(deps: WorkerDeps, roles: QueueRole[], training: TrainingOptions = {}): Promise<RunningWorkers> {
  installRuntime();
  const connection = await NativeConnection.connect({ address: deps.temporalAddress });
  const workers: Worker[] = [];
  for (const role of roles) {
    if (role === 'orchestration') {
      if (!deps.db) throw new Error('the orchestration worker needs a database');
      const db = deps.db;
      workers.push(await Worker.create({
        connection, namespace: deps.namespace, taskQueue: TASK_QUEUES.orchestration,
        workflowBundle: await workflowBundle(),
        activities: createOrchestrationActivities({ db, store: deps.store }),
        maxConcurrentActivityTaskExecutions: 8,
        shutdownGraceTime: '10 seconds',
      }));
    } else {
      // Load the compute backend before taking tasks: loading TensorFlow takes seconds, longer than a heartbeat.
      await ensureBackend({ gpu: role === 'train-gpu' });
      workers.push(await Worker.create({
        connection, namespace: deps.namespace, taskQueue: role === 'train-gpu' ? TASK_QUEUES.trainGpu : TASK_QUEUES.trainCpu,
        activities: createTrainingActivities({ store: deps.store }, { ...training, gpu: role === 'train-gpu' }),
        maxConcurrentActivityTaskExecutions: training.concurrency ?? 1,
        shutdownGraceTime: '30 seconds',
      }));
    }
  }
  const done = Promise.all(workers.map((w) => w.run())).then(() => connection.close());
  return {
    workers,
    done,
    async shutdown() {
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
      await done;
    },
  };
}
