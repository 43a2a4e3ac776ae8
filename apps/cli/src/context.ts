import path from 'node:path';
import { loadConfig, type OpenSocConfig } from '@opensoc/config';
import { connectionInfo, defaultServicesConfig } from '@opensoc/local-services';
import { openPlatform, type Platform } from '@opensoc/platform';
import { spawnTrainingWorker, startWorkers, type RunningWorkers, type TrainingWorkerProcess } from '@opensoc/worker';
import { onShutdown } from './shutdown.ts';

/** Exit codes: scripts (and CI) rely on them. */
export const EXIT = { ok: 0, failed: 1, usage: 2, notFound: 3 } as const;

export class CliError extends Error {
  constructor(message: string, readonly code: number = EXIT.failed) { super(message); }
}

let parsed: OpenSocConfig | undefined;
/** The environment, parsed once (relative paths resolved against the working directory). */
export function config(): OpenSocConfig {
  parsed ??= loadConfig(process.env, path.resolve('.opensoc'));
  return parsed;
}

export type OpenPlatform = Platform & { db: NonNullable<Platform['db']> };

/** Opens the platform (Temporal only when a command asks for it); closed at the end or on SIGINT/SIGTERM. */
export async function openCliPlatform(): Promise<OpenPlatform> {
  const p = await openPlatform(config(), { lazyTemporal: true });
  const forget = onShutdown(() => p.close());
  return { ...p, close: async () => { forget(); await p.close(); } } as OpenPlatform;
}

export async function withPlatform<T>(fn: (p: OpenPlatform) => Promise<T>): Promise<T> {
  const p = await openCliPlatform();
  try {
    return await fn(p);
  } finally {
    await p.close();
  }
}

/**
 * Whether a command must run the workers it needs itself: with the local Temporal server
 * (embedded, or the one `opensoc dev up` runs) nobody else runs them; a real cluster has its own.
 */
export const needsLocalWorkers = (p: Platform) => p.config.temporal.mode === 'embedded';

/**
 * Workers for the lifetime of one command: the orchestration worker in this process (it shares
 * the database handle) and training worker processes (CPU-bound training must not block this
 * event loop). Stopped by stop(), and on SIGINT/SIGTERM with everything else the command started.
 */
export async function localWorkers(p: Platform, log: (line: string) => void = () => {}): Promise<{ stop(): Promise<void> }> {
  const temporalAddress = await p.ensureTemporal();
  const orchestration: RunningWorkers = await startWorkers({ db: p.db!.db, store: p.store, temporalAddress, namespace: p.namespace }, ['orchestration']);
  const s3 = p.config.s3;
  const local = connectionInfo(defaultServicesConfig(path.resolve(p.config.dataDir), p.config.local));
  const env: Record<string, string> = {
    TEMPORAL_ADDRESS: temporalAddress, TEMPORAL_NAMESPACE: p.namespace, S3_BUCKET: s3.bucket, AWS_REGION: s3.region, OPENSOC_DATA_DIR: path.resolve(p.config.dataDir),
    S3_ENDPOINT: s3.mode === 'external' ? (s3.endpoint ?? '') : local.s3Endpoint,
    AWS_ACCESS_KEY_ID: s3.mode === 'external' ? (s3.accessKeyId ?? '') : local.s3AccessKey,
    AWS_SECRET_ACCESS_KEY: s3.mode === 'external' ? (s3.secretAccessKey ?? '') : local.s3SecretKey,
  };
  const trainers: TrainingWorkerProcess[] = [];
  let stopped: Promise<void> | undefined;
  const stop = () => (stopped ??= (async () => {
    await Promise.all(trainers.map((t) => t.stop()));
    await orchestration.shutdown();
  })());
  const forget = onShutdown(stop);
  for (let i = 0; i < p.config.worker.localTrainers; i++) trainers.push(spawnTrainingWorker({ env, log }));
  await Promise.all(trainers.map((t) => t.ready));
  return { async stop() { forget(); await stop(); } };
}
