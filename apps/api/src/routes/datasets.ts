import { createRoute } from '@hono/zod-openapi';
import { z } from 'zod';
import type { Db } from '@opensoc/db';
import { notFound } from '../errors.ts';
import { json, newRouter, problem, readErrors } from '../openapi.ts';
import { queryDatasets, queryDatasetVersion } from '../queries.ts';
import { datasetVersionDetailSchema, datasetVersionParamsSchema, datasetVersionSummarySchema } from '../schemas.ts';

/** /v1/datasets: versions and one version's statistics. */
export function datasetRoutes(deps: { db: Db }) {
  const { db } = deps;
  const app = newRouter();
  app.openapi(createRoute({
    method: 'get', path: '/', tags: ['datasets'], summary: 'Dataset versions',
    responses: { 200: json(z.object({ items: z.array(datasetVersionSummarySchema) }), 'Dataset versions'), ...readErrors },
  }), async (c) => c.json({ items: await queryDatasets(db) }, 200));

  app.openapi(createRoute({
    method: 'get', path: '/{name}/versions/{version}', tags: ['datasets'], summary: 'A dataset version: statistics, parent and split leakage',
    request: { params: datasetVersionParamsSchema },
    responses: { 200: json(datasetVersionDetailSchema, 'The version'), 404: problem('No such version'), 409: problem('Ambiguous hash prefix'), ...readErrors },
  }), async (c) => {
    const { name, version } = c.req.valid('param');
    const v = await queryDatasetVersion(db, name, version);
    if (!v) throw notFound(`dataset version ${name}@${version}`);
    return c.json(v, 200);
  });
  return app;
}
