import path from 'node:path';
import { loadConfig, type OpenSocConfig } from '@opensoc/config';
import { connectionInfo, defaultServicesConfig } from '@opensoc/local-services';
import { openPlatform, type Platform } from '@opensoc/platform';
import { spawnTrainingWorker, startWorkers, type RunningWorkers, type TrainingWorkerProcess } from '@opensoc/worker';

/** Exit codes: scripts (and CI) rely on them. */
export const EXIT = { ok: 0, failed: 1, usage: 2, notFound: 3 } as const;

export class CliError extends Error {
  constructor(message: string, readonly code: number = EXIT.failed) { super(message); }
}

export function config(): OpenSocConfig {
  return loadConfig(process.env, path.resolve('.opensoc'));
}

export async function withPlatform<T>(fn: (p: Platform & { db: NonNullable<Platform['db']> }) => Promise<T>): Promise<T> {
  const p = await openPlatform(config());
  try {
    return await fn(p as Platform & { db: NonNullable<Platform['db']> });
  } finally {
    await p.close();
  }
}

/**
 * Workers for the lifetime of one command: the orchestration worker in this process (it shares
 * the database handle, which PGlite requires) and one training worker process (CPU-bound
 * training must not block this event loop). Used when no separate workers are deployed.
 */
export async function localWorkers(p: Platform, log: (line: string) => void = () => {}): Promise<{ stop(): Promise<void> }> {
  const orchestration: RunningWorkers = await startWorkers({ db: p.db!.db, store: p.store, temporalAddress: p.temporalAddress, namespace: p.namespace }, ['orchestration']);
  const s3 = p.config.s3;
  const local = connectionInfo(defaultServicesConfig(path.resolve(p.config.dataDir)));
  const env: Record<string, string> = {
    TEMPORAL_ADDRESS: p.temporalAddress, TEMPORAL_NAMESPACE: p.namespace, S3_BUCKET: s3.bucket, AWS_REGION: s3.region, OPENSOC_DATA_DIR: path.resolve(p.config.dataDir),
    S3_ENDPOINT: s3.mode === 'external' ? (s3.endpoint ?? '') : local.s3Endpoint,
    AWS_ACCESS_KEY_ID: s3.mode === 'external' ? (s3.accessKeyId ?? '') : local.s3AccessKey,
    AWS_SECRET_ACCESS_KEY: s3.mode === 'external' ? (s3.secretAccessKey ?? '') : local.s3SecretKey,
  };
  const trainers: TrainingWorkerProcess[] = [];
  const count = Number(process.env.OPENSOC_LOCAL_TRAINERS ?? 2);
  for (let i = 0; i < count; i++) trainers.push(spawnTrainingWorker({ env, log }));
  await Promise.all(trainers.map((t) => t.ready));
  return {
    async stop() {
      await Promise.all(trainers.map((t) => t.stop()));
      await orchestration.shutdown();
    },
  };
}
