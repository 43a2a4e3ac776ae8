import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ZodError } from 'zod';

export type ParamLocation = 'query' | 'path' | 'header' | 'body';
export interface ParamError { name: string; in: ParamLocation; reason: string }

const TITLES: Record<number, string> = {
  400: 'Invalid request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not found', 405: 'Method not allowed', 409: 'Conflict',
  413: 'Request body too large', 415: 'Unsupported media type', 500: 'Internal server error', 503: 'Service unavailable',
};
const SLUGS: Record<number, string> = {
  400: 'invalid-request', 401: 'unauthorized', 403: 'forbidden', 404: 'not-found', 405: 'method-not-allowed', 409: 'conflict',
  413: 'payload-too-large', 415: 'unsupported-media-type', 500: 'internal', 503: 'unavailable',
};

/** The one error type of the API; onError turns it into an RFC 9457 problem+json response. */
export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly detail: string,
    readonly errors?: ParamError[],
    readonly slug: string = SLUGS[status] ?? 'error',
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
    this.name = 'ApiError';
  }
}

export const notFound = (what: string) => new ApiError(404, `${what} not found`);
/** A write route whose orchestration this server was not given. */
export const notConfigured = (what: string) => new ApiError(503, `${what} is not configured on this server`);

export interface Problem {
  type: string; title: string; status: number; detail: string; instance?: string; errors?: ParamError[];
}

export function problemBody(status: number, detail: string, errors?: ParamError[], slug?: string, instance?: string): Problem {
  return {
    type: `urn:opensoc:problem:${slug ?? SLUGS[status] ?? 'error'}`,
    title: TITLES[status] ?? 'Error',
    status,
    detail,
    ...(instance ? { instance } : {}),
    ...(errors && errors.length > 0 ? { errors } : {}),
  };
}

/** Converts a zod failure of one request part into a 400 naming each invalid parameter. */
export function fromZod(error: ZodError, where: ParamLocation, unnamed = '(body)'): ApiError {
  const errors: ParamError[] = error.issues.map((i) => {
    let name = i.path.map(String).join('.');
    if (!name && i.code === 'unrecognized_keys') name = (i as unknown as { keys: string[] }).keys.join(',');
    return { name: name || unnamed, in: where, reason: i.message };
  });
  const names = [...new Set(errors.map((e) => e.name))].join(', ');
  return new ApiError(400, `invalid ${where} parameter${errors.length > 1 ? 's' : ''}: ${names}`, errors, 'invalid-parameters');
}

export const targetLocation = (target: string): ParamLocation =>
  target === 'param' ? 'path' : target === 'query' ? 'query' : target === 'header' ? 'header' : 'body';

export function problemResponse(c: Context, err: ApiError): Response {
  const body = problemBody(err.status, err.detail, err.errors, err.slug, new URL(c.req.url).pathname);
  const res = new Response(JSON.stringify(body), { status: err.status, headers: { 'content-type': 'application/problem+json', ...err.headers } });
  return res;
}

/** Maps any thrown error to a problem response; unknown errors are 500 without internals. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof HTTPException) {
    const status = err.status as ContentfulStatusCode;
    return new ApiError(status, err.message || TITLES[status] || 'error');
  }
  return new ApiError(500, 'an unexpected error occurred; it has been logged');
}
