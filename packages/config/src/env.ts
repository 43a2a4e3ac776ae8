import { z } from 'zod';

/**
 * The one place OpenSOC reads its environment. Every variable is optional:
 * unset means the embedded default under .opensoc/ (Temporal dev server started
 * on demand, PGlite, a local S3 server); set means that real service, unchanged code paths.
 */
const hostPort = z.string().regex(/^[A-Za-z0-9.-]+:\d{1,5}$/, 'must be HOST:PORT, e.g. temporal.internal:7233');
const url = (protocols: string[]) =>
  z.string().refine((v) => {
    try { return protocols.includes(new URL(v).protocol); } catch { return false; }
  }, `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`);

// SeaweedFS derives internal ports up to S3 port + 11004 from it, so the S3 port must leave room.
const localPort = z.coerce.number().int().min(1024, 'must be a port between 1024 and 54535').max(65535 - 11000, 'must be a port between 1024 and 54535');

const envSchema = z.object({
  TEMPORAL_ADDRESS: hostPort.optional(),
  TEMPORAL_NAMESPACE: z.string().regex(/^[A-Za-z0-9._-]{1,255}$/, 'must be a Temporal namespace name').optional(),
  DATABASE_URL: url(['postgres:', 'postgresql:']).optional(),
  S3_ENDPOINT: url(['http:', 'https:']).optional(),
  S3_BUCKET: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be a valid S3 bucket name (3-63 lowercase letters, digits, dots, hyphens)').optional(),
  AWS_ACCESS_KEY_ID: z.string().min(1).optional(),
  AWS_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  AWS_REGION: z.string().regex(/^[a-z0-9-]+$/, 'must be a region name like us-east-1').optional(),
  OPENSOC_DATA_DIR: z.string().min(1).optional(),
  // Local services (infra/local): their ports, and which embedded database a command uses.
  OPENSOC_TEMPORAL_PORT: localPort.optional(),
  OPENSOC_POSTGRES_PORT: localPort.optional(),
  OPENSOC_S3_PORT: localPort.optional(),
  OPENSOC_EMBEDDED_DB: z.enum(['postgres', 'pglite']).optional(),
  PG_BIN: z.string().min(1).optional(),
  // Workers.
  OPENSOC_TF_BACKEND: z.enum(['auto', 'tensorflow', 'wasm', 'cpu'], { message: 'must be auto, tensorflow, wasm or cpu' }).optional(),
  OPENSOC_THREADS: z.string().regex(/^[1-9]\d{0,3}$/, 'must be a positive whole number of threads').transform(Number).optional(),
  OPENSOC_LOCAL_TRAINERS: z.coerce.number().int().min(0).max(64).optional(),
  OPENSOC_CHECKPOINT_EVERY: z.coerce.number().int().min(1).optional(),
  OPENSOC_WORKER_LOG: z.enum(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR']).optional(),
  OPENSOC_CODE_COMMIT: z.string().min(1).optional(),
  // API server.
  PORT: z.coerce.number().int().min(0).max(65535).optional(),
  HOST: z.string().min(1).optional(),
  API_READS_PUBLIC: z.enum(['true', 'false']).optional(),
  API_CORS_ORIGINS: z.string().optional(),
});

export interface OpenSocConfig {
  dataDir: string;
  temporal: { mode: 'embedded'; namespace: string } | { mode: 'external'; address: string; namespace: string };
  /**
   * postgres: DATABASE_URL. local (the embedded default): the PostgreSQL server infra/local runs
   * under dataDir, started on demand, shared by every command. pglite (OPENSOC_EMBEDDED_DB=pglite):
   * in-process, one process at a time.
   */
  database: { mode: 'local' } | { mode: 'pglite'; dir: string } | { mode: 'postgres'; url: string };
  s3:
    | { mode: 'embedded'; bucket: string; region: string }
    | { mode: 'external'; endpoint: string | undefined; bucket: string; region: string; accessKeyId?: string; secretAccessKey?: string };
  /** Ports and credentials of the local services (infra/local) and where PostgreSQL's binaries are. */
  local: { temporalPort: number; postgresPort: number; s3Port: number; pgBin?: string; s3AccessKey: string; s3SecretKey: string };
  worker: { localTrainers: number; checkpointEvery: number; logLevel: 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR'; codeCommit?: string };
  api: { port: number; host?: string; readsPublic: boolean; corsOrigins: string[] };
  /** Compute backend ('auto': native TensorFlow when installed, else wasm) and its thread budget (unset: every core). */
  compute: { backend: 'auto' | 'tensorflow' | 'wasm' | 'cpu'; threads: number | undefined };
}

export class ConfigError extends Error {}

/** Parses the environment once at start; an invalid value fails naming the variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env, defaultDataDir = '.opensoc'): OpenSocConfig {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${String(i.path[0])}=${JSON.stringify(cleaned[String(i.path[0])])}: ${i.message}`);
    throw new ConfigError(`invalid environment:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  if ((e.AWS_ACCESS_KEY_ID === undefined) !== (e.AWS_SECRET_ACCESS_KEY === undefined)) {
    throw new ConfigError('invalid environment:\n  AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together');
  }
  const dataDir = e.OPENSOC_DATA_DIR ?? defaultDataDir;
  const namespace = e.TEMPORAL_NAMESPACE ?? 'default';
  const bucket = e.S3_BUCKET ?? 'opensoc';
  const region = e.AWS_REGION ?? 'us-east-1';
  return {
    dataDir,
    temporal: e.TEMPORAL_ADDRESS ? { mode: 'external', address: e.TEMPORAL_ADDRESS, namespace } : { mode: 'embedded', namespace },
    database: e.DATABASE_URL ? { mode: 'postgres', url: e.DATABASE_URL } : e.OPENSOC_EMBEDDED_DB === 'pglite' ? { mode: 'pglite', dir: `${dataDir}/pglite` } : { mode: 'local' },
    s3: e.S3_ENDPOINT || e.S3_BUCKET
      ? { mode: 'external', endpoint: e.S3_ENDPOINT, bucket, region, accessKeyId: e.AWS_ACCESS_KEY_ID, secretAccessKey: e.AWS_SECRET_ACCESS_KEY }
      : { mode: 'embedded', bucket, region },
    local: {
      temporalPort: e.OPENSOC_TEMPORAL_PORT ?? 17233, postgresPort: e.OPENSOC_POSTGRES_PORT ?? 15432, s3Port: e.OPENSOC_S3_PORT ?? 18333,
      pgBin: e.PG_BIN, s3AccessKey: e.AWS_ACCESS_KEY_ID ?? 'opensoc', s3SecretKey: e.AWS_SECRET_ACCESS_KEY ?? 'opensoc-secret',
    },
    worker: {
      localTrainers: e.OPENSOC_LOCAL_TRAINERS ?? 2, checkpointEvery: e.OPENSOC_CHECKPOINT_EVERY ?? 20,
      logLevel: e.OPENSOC_WORKER_LOG ?? 'WARN', codeCommit: e.OPENSOC_CODE_COMMIT,
    },
    api: {
      port: e.PORT ?? 8080, host: e.HOST, readsPublic: e.API_READS_PUBLIC !== 'false',
      corsOrigins: (e.API_CORS_ORIGINS ?? '').split(',').map((o) => o.trim()).filter(Boolean),
    },
    compute: { backend: e.OPENSOC_TF_BACKEND ?? 'auto', threads: e.OPENSOC_THREADS },
  };
}

let current: OpenSocConfig | undefined;
/** This process's configuration, parsed from process.env on first use. */
export function currentConfig(): OpenSocConfig {
  current ??= loadConfig(process.env);
  return current;
}
