import { createRoute } from '@hono/zod-openapi';
import type { Db } from '@opensoc/db';
import { requireScope } from '../auth.ts';
import { notConfigured, notFound } from '../errors.ts';
import { bearer, json, newRouter, problem, readErrors, writeErrors } from '../openapi.ts';
import { entryExists, queryReproductions } from '../queries.ts';
import { acceptedReproductionSchema, entryIdParamSchema, reproductionRequestSchema, reproductionsResultSchema } from '../schemas.ts';
import type { StartReproduction } from '../app.ts';

/** /v1/reproductions: an entry's re-runs, and launching one (write scope). */
export function reproductionRoutes(deps: { db: Db; startReproduction?: StartReproduction }) {
  const { db } = deps;
  const app = newRouter();
  app.openapi(createRoute({
    method: 'get', path: '/{entryId}', tags: ['reproductions'], summary: 'Re-runs of a leaderboard entry and their verdicts',
    request: { params: entryIdParamSchema },
    responses: { 200: json(reproductionsResultSchema, 'The entry and its reproductions'), 404: problem('No such entry'), ...readErrors },
  }), async (c) => {
    const r = await queryReproductions(db, c.req.valid('param').entryId);
    if (!r) throw notFound('leaderboard entry');
    return c.json(r, 200);
  });

  app.openapi(createRoute({
    method: 'post', path: '/', tags: ['reproductions'], summary: 'Re-run a leaderboard entry and check it within a tolerance', security: bearer,
    middleware: [requireScope(db, 'write')] as const,
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
  return app;
}
