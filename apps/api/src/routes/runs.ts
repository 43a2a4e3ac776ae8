import { createRoute } from '@hono/zod-openapi';
import type { Db } from '@opensoc/db';
import { ApiError, notFound } from '../errors.ts';
import { json, newRouter, problem, readErrors } from '../openapi.ts';
import type { Presign } from '../queries.ts';
import { queryCompare, queryRun } from '../queries.ts';
import { compareQuerySchema, compareResultSchema, idParamSchema, runDetailSchema } from '../schemas.ts';

/** /v1/runs/{id} */
export function runRoutes(deps: { db: Db; presign: Presign }) {
  const app = newRouter();
  app.openapi(createRoute({
    method: 'get', path: '/{id}', tags: ['runs'], summary: 'A run: config, per-fold and pooled metrics, confusion matrices, loss curve, leakage, lineage, artifacts',
    description: 'Run ids contain `/`; send them percent-encoded (`%2F`).',
    request: { params: idParamSchema },
    responses: { 200: json(runDetailSchema, 'The run'), 404: problem('No such run'), ...readErrors },
  }), async (c) => {
    const r = await queryRun(deps.db, c.req.valid('param').id, deps.presign);
    if (!r) throw notFound('run');
    return c.json(r, 200);
  });
  return app;
}

/** /v1/compare: stored paired comparisons of two runs. */
export function compareRoutes(deps: { db: Db }) {
  const app = newRouter();
  app.openapi(createRoute({
    method: 'get', path: '/', tags: ['runs'], summary: 'Stored paired comparisons between two runs',
    request: { query: compareQuerySchema },
    responses: { 200: json(compareResultSchema, 'The comparisons'), 404: problem('No comparison stored for these runs'), ...readErrors },
  }), async (c) => {
    const q = c.req.valid('query');
    const r = await queryCompare(deps.db, q);
    if (!r) throw new ApiError(404, `no comparison stored between runs ${q.a} and ${q.b}${q.task ? ` for task ${q.task}` : ''}${q.mode ? ` in mode ${q.mode}` : ''}`);
    return c.json(r, 200);
  });
  return app;
}
