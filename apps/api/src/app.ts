import { createHash } from 'node:crypto';
import { HeadBucketCommand } from '@aws-sdk/client-s3';
import { OpenAPIHono, createRoute } from '@hono/zod-openapi';
import { z } from 'zod';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import type { Context, MiddlewareHandler } from 'hono';
import { sweepSpecSchema, type SweepSpec } from '@opensoc/contracts';
import { getSweep, ping, type Db } from '@opensoc/db';
import type { ArtifactStore } from '@opensoc/storage';
import { makePresign } from './presign.ts';
import { requireScope } from './auth.ts';
import { ApiError, fromZod, notFound, problemBody, problemResponse, targetLocation, toApiError } from './errors.ts';
import { htmlError, registerPages } from './pages.tsx';
import {
  entryExists, queryCompare, queryDatasets, queryDatasetVersion, queryLeaderboard, queryReproductions, queryRun, querySweep, querySweeps,
} from './queries.ts';
import {
  acceptedCancelSchema, acceptedReproductionSchema, acceptedSweepSchema, compareQuerySchema, compareResultSchema, datasetVersionDetailSchema,
  datasetVersionParamsSchema, datasetVersionSummarySchema, idParamSchema, entryIdParamSchema, leaderboardPageSchema, leaderboardQuerySchema,
  problemSchema, reproductionRequestSchema, reproductionsResultSchema, runDetailSchema, sweepDetailSchema, sweepSummarySchema, sweepsQuerySchema,
} from './schemas.ts';

export interface AccessLogEntry {
  time: string; level: 'info' | 'warn' | 'error'; msg: 'request'; method: string; path: string; status: number; ms: number; error?: string;
}
export type AccessLogger = (entry: AccessLogEntry) => void;

/** Launches a sweep (the orchestration layer starts its Temporal workflow); resolves once it is accepted. */
export type StartSweep = (spec: SweepSpec) => Promise<{ sweepId: string }>;
export type CancelSweep = (sweepId: string) => Promise<void>;
export type StartReproduction = (entryId: string, tolerance: number) => Promise<{ reproductionId: string }>;

export interface AppDeps {
  db: Db;
  store: ArtifactStore;
  auth: { readsPublic: boolean };
  cors?: { origins: string[] };
  logger?: AccessLogger;
  startSweep?: StartSweep;
  cancelSweep?: CancelSweep;
  startReproduction?: StartReproduction;
  /** Largest accepted request body (default 256 KiB). */
  bodyLimitBytes?: number;
  /** Lifetime of presigned artifact links (default 300 s). */
  presignTtlSeconds?: number;
  /** How long successful reads are served from the in-process cache (default 1000 ms; 0 disables it). */
  readCacheMs?: number;
  /** Time each /readyz probe may take (default 2000 ms). */
  readyTimeoutMs?: number;
}

export const jsonLogger: AccessLogger = (e) => { process.stdout.write(`${JSON.stringify(e)}\n`); };

const json = <T extends z.ZodType>(schema: T, description: string) => ({ content: { 'application/json': { schema } }, description });
const problem = (description: string) => ({ content: { 'application/problem+json': { schema: problemSchema } }, description });
const readErrors = {
  304: { description: 'Not modified (If-None-Match matched the ETag)' },
  400: problem('Invalid parameter; `errors` names it'),
  401: problem('Missing, unknown or revoked token (only when reads are not public)'),
  403: problem('Token lacks the read scope'),
  500: problem('Unexpected server error'),
};
const writeErrors = {
  400: problem('Invalid parameter or body; `errors` names it'),
  401: problem('Missing, unknown or revoked token'),
  403: problem('Token lacks the write scope'),
  404: problem('Not found'),
  413: problem('Request body too large'),
  500: problem('Unexpected server error'),
  503: problem('This server cannot launch work (no orchestration configured)'),
};
const bearer = [{ bearerAuth: [] }];

function sha256(bytes: ArrayBuffer | string): string {
  return createHash('sha256').update(typeof bytes === 'string' ? bytes : Buffer.from(bytes)).digest('hex');
}

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms); })]);
  } finally {
    clearTimeout(timer);
  }
}

export function createApp(deps: AppDeps) {
  const { db, store } = deps;
  const log = deps.logger ?? jsonLogger;
  const presign = makePresign(store, deps.presignTtlSeconds ?? 300);
  const readyTimeout = deps.readyTimeoutMs ?? 2000;

  const app = new OpenAPIHono({
    defaultHook: (result) => {
      if (!result.success) throw fromZod(result.error, targetLocation(result.target));
    },
  });

  // ---- cross-cutting middleware ------------------------------------------------------
  app.use('*', async (c, next) => {
    const t0 = performance.now();
    let error: string | undefined;
    try {
      await next();
    } finally {
      const status = c.res.status;
      const ms = Math.round((performance.now() - t0) * 100) / 100;
      if (status >= 500) error = (c.get('errorMessage' as never) as string | undefined) ?? undefined;
      log({ time: new Date().toISOString(), level: status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info', msg: 'request', method: c.req.method, path: c.req.path, status, ms, ...(error ? { error } : {}) });
    }
  });
  if (deps.cors) {
    const origins = deps.cors.origins;
    app.use('*', cors({ origin: origins.includes('*') ? '*' : origins, allowMethods: ['GET', 'POST', 'OPTIONS'], allowHeaders: ['Authorization', 'Content-Type', 'If-None-Match'], exposeHeaders: ['ETag', 'Location'], maxAge: 600 }));
  }
  app.use('*', bodyLimit({
    maxSize: deps.bodyLimitBytes ?? 256 * 1024,
    onError: (c) => problemResponse(c, new ApiError(413, `request body exceeds ${deps.bodyLimitBytes ?? 256 * 1024} bytes`)),
  }));
  const publicPaths = new Set(['/healthz', '/readyz', '/openapi.json']);
  if (!deps.auth.readsPublic) {
    const readAuth = requireScope(db, 'read');
    app.use('*', async (c, next) => {
      if (publicPaths.has(c.req.path) || (c.req.method !== 'GET' && c.req.method !== 'HEAD')) return next();
      return readAuth(c, next);
    });
  }
  app.use('*', readCaching(deps.auth.readsPublic, publicPaths, new ReadCache(deps.readCacheMs ?? 1000)));

  app.onError((err, c) => {
    const apiErr = toApiError(err);
    if (apiErr.status >= 500) c.set('errorMessage' as never, (err instanceof Error ? err.message : String(err)) as never);
    return isPagePath(c.req.path) ? pageError(c, apiErr) : problemResponse(c, apiErr);
  });
  app.notFound((c) => {
    const err = new ApiError(404, `no route for ${c.req.method} ${c.req.path}`);
    return isPagePath(c.req.path) ? pageError(c, err) : problemResponse(c, err);
  });

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', { type: 'http', scheme: 'bearer', description: 'API token from `opensoc token create`' });

  // ---- operations -----------------------------------------------------------------------
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
        await withTimeout(fn(), readyTimeout, what);
        return { ok: true, ms: Math.round(performance.now() - t0) };
      } catch (e) {
        return { ok: false, ms: Math.round(performance.now() - t0), error: `${what}: ${(e instanceof Error ? e.message : String(e)).slice(0, 200)}` };
      }
    };
    const [database, s3] = await Promise.all([
      probe('database', () => ping(db)),
      probe('s3', () => store.client.send(new HeadBucketCommand({ Bucket: store.bucket }), { abortSignal: AbortSignal.timeout(readyTimeout) })),
    ]);
    const ok = database.ok && s3.ok;
    return c.json({ status: ok ? 'ready' as const : 'unavailable' as const, checks: { database, s3 } }, ok ? 200 : 503);
  });

  // ---- reads ------------------------------------------------------------------------------
  app.openapi(createRoute({
    method: 'get', path: '/v1/leaderboard', tags: ['leaderboard'], summary: 'Leaderboard entries with intervals, significance and reproduction status',
    request: { query: leaderboardQuerySchema },
    responses: { 200: json(leaderboardPageSchema, 'One page of entries'), ...readErrors },
  }), async (c) => c.json(await queryLeaderboard(db, c.req.valid('query')), 200));

  app.openapi(createRoute({
    method: 'get', path: '/v1/sweeps', tags: ['sweeps'], summary: 'Sweeps, newest first',
    request: { query: sweepsQuerySchema },
    responses: { 200: json(z.object({ items: z.array(sweepSummarySchema) }), 'Sweeps'), ...readErrors },
  }), async (c) => c.json({ items: await querySweeps(db, c.req.valid('query')) }, 200));

  app.openapi(createRoute({
    method: 'get', path: '/v1/sweeps/{id}', tags: ['sweeps'], summary: 'A sweep: spec, status, progress and runs',
    request: { params: idParamSchema },
    responses: { 200: json(sweepDetailSchema, 'The sweep'), 404: problem('No such sweep'), ...readErrors },
  }), async (c) => {
    const s = await querySweep(db, c.req.valid('param').id);
    if (!s) throw notFound('sweep');
    return c.json(s, 200);
  });

  app.openapi(createRoute({
    method: 'get', path: '/v1/runs/{id}', tags: ['runs'], summary: 'A run: config, per-fold and pooled metrics, confusion matrices, loss curve, leakage, lineage, artifacts',
    description: 'Run ids contain `/`; send them percent-encoded (`%2F`).',
    request: { params: idParamSchema },
    responses: { 200: json(runDetailSchema, 'The run'), 404: problem('No such run'), ...readErrors },
  }), async (c) => {
    const r = await queryRun(db, c.req.valid('param').id, presign);
    if (!r) throw notFound('run');
    return c.json(r, 200);
  });

  app.openapi(createRoute({
    method: 'get', path: '/v1/compare', tags: ['runs'], summary: 'Stored paired comparisons between two runs',
    request: { query: compareQuerySchema },
    responses: { 200: json(compareResultSchema, 'The comparisons'), 404: problem('No comparison stored for these runs'), ...readErrors },
  }), async (c) => {
    const q = c.req.valid('query');
    const r = await queryCompare(db, q);
    if (!r) throw new ApiError(404, `no comparison stored between runs ${q.a} and ${q.b}${q.task ? ` for task ${q.task}` : ''}${q.mode ? ` in mode ${q.mode}` : ''}`);
    return c.json(r, 200);
  });

  app.openapi(createRoute({
    method: 'get', path: '/v1/datasets', tags: ['datasets'], summary: 'Dataset versions',
    responses: { 200: json(z.object({ items: z.array(datasetVersionSummarySchema) }), 'Dataset versions'), ...readErrors },
  }), async (c) => c.json({ items: await queryDatasets(db) }, 200));

  app.openapi(createRoute({
    method: 'get', path: '/v1/datasets/{name}/versions/{version}', tags: ['datasets'], summary: 'A dataset version: statistics, parent and split leakage',
    request: { params: datasetVersionParamsSchema },
    responses: { 200: json(datasetVersionDetailSchema, 'The version'), 404: problem('No such version'), 409: problem('Ambiguous hash prefix'), ...readErrors },
  }), async (c) => {
    const { name, version } = c.req.valid('param');
    const v = await queryDatasetVersion(db, name, version);
    if (!v) throw notFound(`dataset version ${name}@${version}`);
    return c.json(v, 200);
  });

  app.openapi(createRoute({
    method: 'get', path: '/v1/reproductions/{entryId}', tags: ['reproductions'], summary: 'Re-runs of a leaderboard entry and their verdicts',
    request: { params: entryIdParamSchema },
    responses: { 200: json(reproductionsResultSchema, 'The entry and its reproductions'), 404: problem('No such entry'), ...readErrors },
  }), async (c) => {
    const r = await queryReproductions(db, c.req.valid('param').entryId);
    if (!r) throw notFound('leaderboard entry');
    return c.json(r, 200);
  });

  // ---- writes -----------------------------------------------------------------------------
  const writeAuth = requireScope(db, 'write');
  const notConfigured = (what: string) => new ApiError(503, `${what} is not configured on this server`);

  app.openapi(createRoute({
    method: 'post', path: '/v1/sweeps', tags: ['sweeps'], summary: 'Launch a sweep', security: bearer, middleware: [writeAuth] as const,
    request: { body: { content: { 'application/json': { schema: sweepSpecSchema.meta({ id: 'SweepSpec' }) } }, required: true } },
    responses: { 202: json(acceptedSweepSchema, 'Accepted; the sweep runs in the background'), 415: problem('Body is not JSON'), ...writeErrors },
  }), async (c) => {
    if (!deps.startSweep) throw notConfigured('launching sweeps');
    const { sweepId } = await deps.startSweep(c.req.valid('json'));
    const links = { self: `/v1/sweeps/${encodeURIComponent(sweepId)}`, html: `/sweeps/${encodeURIComponent(sweepId)}` };
    c.header('Location', links.self);
    return c.json({ sweepId, links }, 202);
  });

  app.openapi(createRoute({
    method: 'post', path: '/v1/sweeps/{id}/cancel', tags: ['sweeps'], summary: 'Cancel a running sweep', security: bearer, middleware: [writeAuth] as const,
    request: { params: idParamSchema },
    responses: { 202: json(acceptedCancelSchema, 'Cancellation requested'), 409: problem('The sweep is not running'), ...writeErrors },
  }), async (c) => {
    const { id } = c.req.valid('param');
    if (!deps.cancelSweep) throw notConfigured('cancelling sweeps');
    const s = await getSweep(db, id);
    if (!s) throw notFound('sweep');
    if (s.status !== 'running') throw new ApiError(409, `sweep ${id} is ${s.status}, not running`);
    await deps.cancelSweep(id);
    return c.json({ sweepId: id, status: 'cancelling' as const }, 202);
  });

  app.openapi(createRoute({
    method: 'post', path: '/v1/reproductions', tags: ['reproductions'], summary: 'Re-run a leaderboard entry and check it within a tolerance', security: bearer,
    middleware: [writeAuth] as const,
    request: { body: { content: { 'application/json': { schema: reproductionRequestSchema } }, required: true } },
    responses: { 202: json(acceptedReproductionSchema, 'Accepted'), 415: problem('Body is not JSON'), ...writeErrors },
  }), async (c) => {
    const { entryId, tolerance } = c.req.valid('json');
    if (!deps.startReproduction) throw notConfigured('reproductions');
    if (!(await entryExists(db, entryId))) throw notFound('leaderboard entry');
    const { reproductionId } = await deps.startReproduction(entryId, tolerance);
    const self = `/v1/reproductions/${encodeURIComponent(entryId)}`;
    c.header('Location', self);
    return c.json({ reproductionId, entryId, links: { self } }, 202);
  });

  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'OpenSOC leaderboard API',
      version: '1.0.0',
      description: 'Leaderboards with confidence intervals, paired significance tests, leakage reports and reproductions. Errors are RFC 9457 problem+json.',
    },
  });

  registerPages(app, { db, presign });
  return app;
}
export type App = ReturnType<typeof createApp>;

interface Cached { body: string; contentType: string; etag: string; cacheControl: string; expires: number }

/**
 * Read caching, in one middleware:
 * - a strong ETag (sha256 of the body) and Cache-Control on successful reads, 304 on If-None-Match;
 * - an in-process micro-cache of successful reads for `ttlMs` (default 1 s), keyed by path and
 *   query, so a leaderboard polled by many reviewers costs one query per second. Any write
 *   through this API clears it; rows written by workers appear within `ttlMs`.
 */
class ReadCache {
  private readonly entries = new Map<string, Cached>();
  constructor(readonly ttlMs: number, private readonly max = 2000) {}
  get(key: string): Cached | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.expires <= Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return e;
  }
  set(key: string, value: Cached): void {
    if (this.ttlMs <= 0) return;
    if (this.entries.size >= this.max) {
      const now = Date.now();
      for (const [k, v] of this.entries) if (v.expires <= now) this.entries.delete(k);
      // Still full: drop the oldest insertions.
      for (const k of this.entries.keys()) {
        if (this.entries.size < this.max) break;
        this.entries.delete(k);
      }
    }
    this.entries.set(key, value);
  }
  clear(): void { this.entries.clear(); }
}

function readCaching(readsPublic: boolean, noStore: Set<string>, cache: ReadCache): MiddlewareHandler {
  const respond = (c: Context, e: Omit<Cached, 'expires'>): Response => {
    // Keep what other middleware set (CORS), replace what describes the body.
    const headers = new Headers(c.res.headers);
    for (const h of ['content-length', 'content-type', 'etag', 'cache-control']) headers.delete(h);
    headers.set('ETag', e.etag);
    headers.set('Cache-Control', e.cacheControl);
    if (!readsPublic) headers.append('Vary', 'Authorization');
    const inm = c.req.header('If-None-Match');
    if (inm && (inm.trim() === '*' || inm.split(',').some((t) => t.trim().replace(/^W\//, '') === e.etag))) {
      return new Response(null, { status: 304, headers });
    }
    headers.set('Content-Type', e.contentType);
    return new Response(c.req.method === 'HEAD' ? null : e.body, { status: 200, headers });
  };
  return async (c, next) => {
    const read = c.req.method === 'GET' || c.req.method === 'HEAD';
    if (!read) {
      await next();
      if (c.req.method !== 'OPTIONS' && c.res.status < 400) cache.clear();
      return;
    }
    if (noStore.has(c.req.path) && c.req.path !== '/openapi.json') {
      await next();
      c.res.headers.set('Cache-Control', 'no-store');
      return;
    }
    const key = c.req.url.slice(c.req.url.indexOf('/', c.req.url.indexOf('//') + 2));
    const hit = cache.get(key);
    if (hit) {
      const res = respond(c, hit);
      c.res = undefined;
      c.res = res;
      return;
    }
    // Capture the body text where the handler makes it, rather than reading the response stream back.
    let captured: string | undefined;
    const ctx = c as unknown as { json: (o: unknown, arg?: unknown, h?: Record<string, string>) => Response; html: (h: unknown, arg?: unknown, hd?: Record<string, string>) => Response | Promise<Response> };
    const body = c.body.bind(c) as unknown as (d: string, arg?: unknown, h?: Record<string, string>) => Response;
    const html = ctx.html;
    ctx.json = (object, arg, headers) => {
      captured = JSON.stringify(object);
      return body(captured, arg, { 'Content-Type': 'application/json', ...headers });
    };
    ctx.html = (text, arg, headers) => {
      if (typeof text === 'string') captured = text;
      return html(text, arg, headers);
    };
    await next();
    if (c.res.status !== 200) return;
    const text = captured ?? await c.res.text();
    const etag = `"${sha256(text).slice(0, 40)}"`;
    // Run pages carry presigned links: keep them out of shared caches.
    const runPage = c.req.path.startsWith('/v1/runs/') || c.req.path.startsWith('/runs/');
    const cacheControl = !readsPublic || runPage ? 'private, no-cache' : 'public, max-age=10, must-revalidate';
    const entry = { body: text, contentType: c.res.headers.get('Content-Type') ?? 'application/octet-stream', etag, cacheControl };
    cache.set(key, { ...entry, expires: Date.now() + cache.ttlMs });
    const res = respond(c, entry);
    c.res = undefined;
    c.res = res;
  };
}

const API_PATHS = /^\/(v1\/|v1$|healthz$|readyz$|openapi\.json$)/;
const isPagePath = (path: string) => !API_PATHS.test(path);
function pageError(c: Context, err: ApiError): Response {
  return new Response(htmlError(err.status, err.detail, err.errors), { status: err.status, headers: { 'content-type': 'text/html; charset=UTF-8', ...err.headers } });
}

export { problemBody };
