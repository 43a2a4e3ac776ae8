import { createRoute } from '@hono/zod-openapi';
import type { Db } from '@opensoc/db';
import { json, newRouter, readErrors } from '../openapi.ts';
import { queryLeaderboard } from '../queries.ts';
import { leaderboardPageSchema, leaderboardQuerySchema } from '../schemas.ts';

/** /v1/leaderboard */
export function leaderboardRoutes(deps: { db: Db }) {
  const app = newRouter();
  app.openapi(createRoute({
    method: 'get', path: '/', tags: ['leaderboard'], summary: 'Leaderboard entries with intervals, significance and reproduction status',
    request: { query: leaderboardQuerySchema },
    responses: { 200: json(leaderboardPageSchema, 'One page of entries'), ...readErrors },
  }), async (c) => c.json(await queryLeaderboard(deps.db, c.req.valid('query')), 200));
  return app;
}
