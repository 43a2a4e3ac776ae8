import { OpenAPIHono } from '@hono/zod-openapi';
import type { z } from 'zod';
import { fromZod, targetLocation } from './errors.ts';
import { problemSchema } from './schemas.ts';

/** What handlers share through the Context: set by onError, read by the access log. */
export interface ApiEnv { Variables: { errorMessage?: string } }

/** One resource's routes: an OpenAPIHono whose validation failures are 400 problems naming each parameter. */
export function newRouter(): OpenAPIHono<ApiEnv> {
  return new OpenAPIHono<ApiEnv>({
    defaultHook: (result) => {
      if (!result.success) throw fromZod(result.error, targetLocation(result.target));
    },
  });
}

// Response descriptions for the OpenAPI document, shared by the routes.
export const json = <T extends z.ZodType>(schema: T, description: string) => ({ content: { 'application/json': { schema } }, description });
export const problem = (description: string) => ({ content: { 'application/problem+json': { schema: problemSchema } }, description });
export const readErrors = {
  304: { description: 'Not modified (If-None-Match matched the ETag)' },
  400: problem('Invalid parameter; `errors` names it'),
  401: problem('Missing, unknown or revoked token (only when reads are not public)'),
  403: problem('Token lacks the read scope'),
  500: problem('Unexpected server error'),
};
export const writeErrors = {
  400: problem('Invalid parameter or body; `errors` names it'),
  401: problem('Missing, unknown or revoked token'),
  403: problem('Token lacks the write scope'),
  404: problem('Not found'),
  413: problem('Request body too large'),
  500: problem('Unexpected server error'),
  503: problem('This server cannot launch work (no orchestration configured)'),
};
export const bearer = [{ bearerAuth: [] }];
