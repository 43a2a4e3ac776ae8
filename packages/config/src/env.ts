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
  OPENSOC_TF_BACKEND: z.enum(['auto', 'tensorflow', 'wasm', 'cpu'], { message: 'must be auto, tensorflow, wasm or cpu' }).optional(),
  OPENSOC_THREADS: z.string().regex(/^[1-9]\d{0,3}$/, 'must be a positive whole number of threads').transform(Number).optional(),
});

export interface OpenSocConfig {
  dataDir: string;
  temporal: { mode: 'embedded'; namespace: string } | { mode: 'external'; address: string; namespace: string };
  database: { mode: 'pglite'; dir: string } | { mode: 'postgres'; url: string };
  s3:
    | { mode: 'embedded'; bucket: string; region: string }
    | { mode: 'external'; endpoint: string | undefined; bucket: string; region: string; accessKeyId?: string; secretAccessKey?: string };
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
    database: e.DATABASE_URL ? { mode: 'postgres', url: e.DATABASE_URL } : { mode: 'pglite', dir: `${dataDir}/pglite` },
    s3: e.S3_ENDPOINT || e.S3_BUCKET
      ? { mode: 'external', endpoint: e.S3_ENDPOINT, bucket, region, accessKeyId: e.AWS_ACCESS_KEY_ID, secretAccessKey: e.AWS_SECRET_ACCESS_KEY }
      : { mode: 'embedded', bucket, region },
    compute: { backend: e.OPENSOC_TF_BACKEND ?? 'auto', threads: e.OPENSOC_THREADS },
  };
}
