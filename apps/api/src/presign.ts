import { createHash, createHmac } from 'node:crypto';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { validateKey, type ArtifactStore } from '@opensoc/storage';

/**
 * Presigned GET links for artifacts. Links are signed at the start of the current
 * minute (valid `ttl` + 60 s), so a page's links, and its ETag, are stable within a minute.
 *
 * With a custom endpoint (path-style, as for every S3-compatible server) the AWS
 * Signature V4 query signature is computed here directly, a few HMACs instead of the
 * SDK's middleware stack: a run page signs several links and this was its hottest path.
 * The result is byte-identical to the SDK's getSignedUrl (presign.test.ts checks it).
 * Without a custom endpoint (AWS itself) the SDK signs.
 */
export type Presign = (key: string) => Promise<string | null>;

const WINDOW_S = 60;

const rfc3986 = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const encodePath = (key: string) => key.split('/').map(rfc3986).join('/');
const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();
const sha256hex = (data: string) => createHash('sha256').update(data, 'utf8').digest('hex');
const amzDate = (d: Date) => d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');

interface Resolved { origin: string; host: string; basePath: string; region: string; accessKeyId: string; secretAccessKey: string; sessionToken?: string }

export function signingDateFor(now: number): Date {
  return new Date(Math.floor(now / (WINDOW_S * 1000)) * WINDOW_S * 1000);
}

/** Signs `GET bucket/key` with SigV4 query parameters, as @aws-sdk/s3-request-presigner does for path-style endpoints. */
export function presignPathStyle(r: Resolved, bucket: string, key: string, expiresIn: number, signingDate: Date): string {
  const date = amzDate(signingDate);
  const day = date.slice(0, 8);
  const scope = `${day}/${r.region}/s3/aws4_request`;
  const path = `${r.basePath}/${rfc3986(bucket)}/${encodePath(key)}`;
  const params: [string, string][] = [
    ['X-Amz-Algorithm', 'AWS4-HMAC-SHA256'],
    ['X-Amz-Content-Sha256', 'UNSIGNED-PAYLOAD'],
    ['X-Amz-Credential', `${r.accessKeyId}/${scope}`],
    ['X-Amz-Date', date],
    ['X-Amz-Expires', String(expiresIn)],
    ...(r.sessionToken ? [['X-Amz-Security-Token', r.sessionToken] as [string, string]] : []),
    ['X-Amz-SignedHeaders', 'host'],
    ['x-id', 'GetObject'],
  ];
  const build = (ps: [string, string][]) => ps
    .map(([k, v]) => [rfc3986(k), rfc3986(v)] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const query = build(params);
  const canonical = ['GET', path, query, `host:${r.host}\n`, 'host', 'UNSIGNED-PAYLOAD'].join('\n');
  const toSign = ['AWS4-HMAC-SHA256', date, scope, sha256hex(canonical)].join('\n');
  const kDate = hmac(`AWS4${r.secretAccessKey}`, day);
  const kSigning = hmac(hmac(hmac(kDate, r.region), 's3'), 'aws4_request');
  const signature = createHmac('sha256', kSigning).update(toSign, 'utf8').digest('hex');
  return `${r.origin}${path}?${build([...params, ['X-Amz-Signature', signature]])}`;
}

/** The endpoint and credentials to sign with locally, or null where the SDK must sign. */
export async function resolvePathStyle(store: ArtifactStore): Promise<Resolved | null> {
  const cfg = store.client.config as unknown as {
    forcePathStyle?: boolean; endpoint?: () => Promise<{ protocol: string; hostname: string; port?: number; path?: string }>;
    region: () => Promise<string>; credentials: () => Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken?: string; expiration?: Date }>;
    isCustomEndpoint?: boolean;
  };
  if (!cfg.forcePathStyle || !cfg.endpoint || !cfg.isCustomEndpoint) return null;
  const [ep, region, creds] = await Promise.all([cfg.endpoint(), cfg.region(), cfg.credentials()]);
  // Temporary credentials would need refreshing: let the SDK handle those.
  if (creds.expiration) return null;
  const defaultPort = ep.protocol === 'https:' ? 443 : 80;
  const host = ep.port && ep.port !== defaultPort ? `${ep.hostname}:${ep.port}` : ep.hostname;
  return {
    origin: `${ep.protocol}//${host}`, host, basePath: (ep.path ?? '').replace(/\/$/, ''), region,
    accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey, ...(creds.sessionToken ? { sessionToken: creds.sessionToken } : {}),
  };
}

export function makePresign(store: ArtifactStore, ttlSeconds: number): Presign {
  let resolved: Promise<Resolved | null> | undefined;
  return async (key) => {
    try {
      validateKey(key);
    } catch {
      return null;
    }
    const signingDate = signingDateFor(Date.now());
    const expiresIn = ttlSeconds + WINDOW_S;
    resolved ??= resolvePathStyle(store).catch(() => null);
    const r = await resolved;
    if (r) return presignPathStyle(r, store.bucket, key, expiresIn, signingDate);
    return getSignedUrl(store.client, new GetObjectCommand({ Bucket: store.bucket, Key: key }), { expiresIn, signingDate });
  };
}
