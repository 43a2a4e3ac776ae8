import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import type { Context } from 'hono';
import type { SweepSpec } from '@opensoc/contracts';
import type { Db } from '@opensoc/db';
import type { ArtifactStore } from '@opensoc/storage';
import { requireScope } from './auth.ts';
import { ApiError, problemBody, problemResponse, toApiError } from './errors.ts';
import { newRouter } from './openapi.ts';
import { htmlError, registerPages } from './page-routes.tsx';
import { makePresign } from './presign.ts';
import { readCaching } from './read-cache.ts';
import { datasetRoutes } from './routes/datasets.ts';
import { leaderboardRoutes } from './routes/leaderboard.ts';
import { opsRoutes } from './routes/ops.ts';
import { reproductionRoutes } from './routes/reproductions.ts';
import { compareRoutes, runRoutes } from './routes/runs.ts';
import { sweepRoutes } from './routes/sweeps.ts';

export interface AccessLogEntry {
  time: string; level: 'info' | 'warn' | 'error'; msg: 'request'; method: string; path: string; status: number; ms: number; error?: string;
}
export type AccessLogger = (entry: AccessLogEntry) => void;

/** Launches a sweep (the orchestration layer starts its Temporal workflow); resolves once it is accepted. */
export type StartSweep = (spec: SweepSpec) => Promise<{ sweepId: string }>;
export type CancelSweep = (sweepId: string) => Promise<void>;
export type StartReproduction = (entryId: string, tolerance: number) => Promise<{ reproductionId: string }>;
/**
 * Time left of a running sweep, from its workflow's finished-unit durations (the orchestration
 * layer reads them; the API never talks to Temporal itself). Null when the workflow has no timing.
 */
export interface SweepEtaInfo { seconds: number | null; finishedUnits: number; waitingFor: string | null }
export type SweepEta = (workflowId: string) => Promise<SweepEtaInfo | null>;

export interface AppDeps {
  db: Db;
  store: ArtifactStore;
  auth: { readsPublic: boolean };
  cors?: { origins: string[] };
  logger?: AccessLogger;
  startSweep?: StartSweep;
  cancelSweep?: CancelSweep;
  startReproduction?: StartReproduction;
  /** Running sweeps' ETA on /v1/sweeps/{id} and the sweep page; without it they show none. */
  sweepEta?: SweepEta;
  /** How long a read waits for the ETA before answering without it (default 1500 ms): a slow Temporal must not stall pages. */
  sweepEtaWaitMs?: number;
  /** Largest accepted request body (default 256 KiB). */
  bodyLimitBytes?: number;
  /** Lifetime of presigned artifact links (default 300 s). */
  presignTtlSeconds?: number;
  /** How long successful reads are served from the in-process cache (default 1000 ms; 0 disables it). */
  readCacheMs?: number;
  /** Time each /readyz probe may take (default 2000 ms). */
  readyTimeoutMs?: number;
}

/** The ETA source, answering null once waitMs has passed: Temporal being slow must not stall pages. */
function withDeadline(sweepEta: SweepEta, waitMs: number): SweepEta {
  return async (workflowId) => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<null>((resolve) => { timer = setTimeout(() => resolve(null), waitMs); });
    try {
      return await Promise.race([sweepEta(workflowId), late]);
    } finally {
      clearTimeout(timer);
    }
  };
}

export const jsonLogger: AccessLogger = (e) => { process.stdout.write(`${JSON.stringify(e)}\n`); };

/** The API: cross-cutting middleware here, one small app per resource (./routes) joined with app.route(). */
export function createApp(deps: AppDeps) {
  const { db, store } = deps;
  const log = deps.logger ?? jsonLogger;
  const presign = makePresign(store, deps.presignTtlSeconds ?? 300);
  const sweepEta = deps.sweepEta && withDeadline(deps.sweepEta, deps.sweepEtaWaitMs ?? 1500);
  const app = newRouter();

  // ---- cross-cutting middleware ------------------------------------------------------
  app.use('*', async (c, next) => {
    const t0 = performance.now();
    try {
      await next();
    } finally {
      const status = c.res.status;
      const ms = Math.round((performance.now() - t0) * 100) / 100;
      const error = status >= 500 ? c.get('errorMessage') : undefined;
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
  app.use('*', readCaching({ readsPublic: deps.auth.readsPublic, noStore: publicPaths, ttlMs: deps.readCacheMs ?? 1000 }));

  app.onError((err, c) => {
    const apiErr = toApiError(err);
    if (apiErr.status >= 500) c.set('errorMessage', err instanceof Error ? err.message : String(err));
    return isPagePath(c.req.path) ? pageError(c, apiErr) : problemResponse(c, apiErr);
  });
  app.notFound((c) => {
    const err = new ApiError(404, `no route for ${c.req.method} ${c.req.path}`);
    return isPagePath(c.req.path) ? pageError(c, err) : problemResponse(c, err);
  });

  // ---- resources ------------------------------------------------------------------------
  app.route('/', opsRoutes({ db, store, readyTimeoutMs: deps.readyTimeoutMs ?? 2000 }));
  app.route('/v1/leaderboard', leaderboardRoutes({ db }));
  app.route('/v1/sweeps', sweepRoutes({ db, startSweep: deps.startSweep, cancelSweep: deps.cancelSweep, sweepEta }));
  app.route('/v1/runs', runRoutes({ db, presign }));
  app.route('/v1/compare', compareRoutes({ db }));
  app.route('/v1/datasets', datasetRoutes({ db }));
  app.route('/v1/reproductions', reproductionRoutes({ db, startReproduction: deps.startReproduction }));

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', { type: 'http', scheme: 'bearer', description: 'API token from `opensoc token create`' });
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'OpenSOC leaderboard API',
      version: '1.0.0',
      description: 'Leaderboards with confidence intervals, paired significance tests, leakage reports and reproductions. Errors are RFC 9457 problem+json.',
    },
  });

  registerPages(app, { db, presign, sweepEta });
  return app;
}
export type App = ReturnType<typeof createApp>;

const API_PATHS = /^\/(v1\/|v1$|healthz$|readyz$|openapi\.json$)/;
const isPagePath = (path: string) => !API_PATHS.test(path);
function pageError(c: Context, err: ApiError): Response {
  return new Response(htmlError(err.status, err.detail, err.errors), { status: err.status, headers: { 'content-type': 'text/html; charset=UTF-8', ...err.headers } });
}

export { problemBody };
