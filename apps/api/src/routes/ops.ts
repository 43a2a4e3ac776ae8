import { HeadBucketCommand } from '@aws-sdk/client-s3';
import { createRoute } from '@hono/zod-openapi';
import { z } from 'zod';
import { ping, type Db } from '@opensoc/db';
import type { ArtifactStore } from '@opensoc/storage';
import { json, newRouter } from '../openapi.ts';

/**
 * Bounds one probe. Hono's timeout middleware does not fit here: it bounds a whole request and
 * answers 504, while readiness reports each dependency's own time-out inside its 503 body.
 */
async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms); })]);
  } finally {
    clearTimeout(timer);
  }
}

/** /healthz (the process is up) and /readyz (the database and S3 answer). */
export function opsRoutes(deps: { db: Db; store: ArtifactStore; readyTimeoutMs: number }) {
  const { db, store, readyTimeoutMs } = deps;
  const app = newRouter();
  app.openapi(createRoute({
    method: 'get', path: '/healthz', tags: ['ops'], summary: 'Process is up',
    responses: { 200: json(z.object({ status: z.literal('ok') }), 'Up') },
  }), (c) => c.json({ status: 'ok' as const }, 200));

  const checkSchema = z.object({ ok: z.boolean(), ms: z.number(), error: z.string().optional() });
  const readySchema = z.object({ status: z.enum(['ready', 'unavailable']), checks: z.object({ database: checkSchema, s3: checkSchema }) }).meta({ id: 'Readiness' });
  app.openapi(createRoute({
    method: 'get', path: '/readyz', tags: ['ops'], summary: 'Database and S3 answer',
    responses: { 200: json(readySchema, 'Ready'), 503: json(readySchema, 'A dependency does not answer') },
  }), async (c) => {
    const probe = async (what: string, fn: () => Promise<unknown>) => {
      const t0 = performance.now();
      try {
        await withTimeout(fn(), readyTimeoutMs, what);
        return { ok: true, ms: Math.round(performance.now() - t0) };
      } catch (e) {
        return { ok: false, ms: Math.round(performance.now() - t0), error: `${what}: ${(e instanceof Error ? e.message : String(e)).slice(0, 200)}` };
      }
    };
    const [database, s3] = await Promise.all([
      probe('database', () => ping(db)),
      probe('s3', () => store.client.send(new HeadBucketCommand({ Bucket: store.bucket }), { abortSignal: AbortSignal.timeout(readyTimeoutMs) })),
    ]);
    const ok = database.ok && s3.ok;
    return c.json({ status: ok ? 'ready' as const : 'unavailable' as const, checks: { database, s3 } }, ok ? 200 : 503);
  });
  return app;
}
