import { createRoute } from '@hono/zod-openapi';
import { z } from 'zod';
import { sweepSpecSchema } from '@opensoc/contracts';
import { getSweep, type Db } from '@opensoc/db';
import { requireScope } from '../auth.ts';
import { ApiError, notConfigured, notFound } from '../errors.ts';
import { bearer, json, newRouter, problem, readErrors, writeErrors } from '../openapi.ts';
import { querySweep, querySweeps } from '../queries.ts';
import { acceptedCancelSchema, acceptedSweepSchema, idParamSchema, sweepDetailSchema, sweepSummarySchema, sweepsQuerySchema } from '../schemas.ts';
import type { CancelSweep, StartSweep, SweepEta } from '../app.ts';

/** /v1/sweeps: list, read, launch (write scope) and cancel (write scope). */
export function sweepRoutes(deps: { db: Db; startSweep?: StartSweep; cancelSweep?: CancelSweep; sweepEta?: SweepEta }) {
  const { db } = deps;
  const writeAuth = requireScope(db, 'write');
  const app = newRouter();
  app.openapi(createRoute({
    method: 'get', path: '/', tags: ['sweeps'], summary: 'Sweeps, newest first',
    request: { query: sweepsQuerySchema },
    responses: { 200: json(z.object({ items: z.array(sweepSummarySchema) }), 'Sweeps'), ...readErrors },
  }), async (c) => c.json({ items: await querySweeps(db, c.req.valid('query')) }, 200));

  app.openapi(createRoute({
    method: 'get', path: '/{id}', tags: ['sweeps'], summary: 'A sweep: spec, status, progress and runs',
    request: { params: idParamSchema },
    responses: { 200: json(sweepDetailSchema, 'The sweep'), 404: problem('No such sweep'), ...readErrors },
  }), async (c) => {
    const s = await querySweep(db, c.req.valid('param').id, deps.sweepEta);
    if (!s) throw notFound('sweep');
    return c.json(s, 200);
  });

  app.openapi(createRoute({
    method: 'post', path: '/', tags: ['sweeps'], summary: 'Launch a sweep', security: bearer, middleware: [writeAuth] as const,
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
    method: 'post', path: '/{id}/cancel', tags: ['sweeps'], summary: 'Cancel a running sweep', security: bearer, middleware: [writeAuth] as const,
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
  return app;
}
