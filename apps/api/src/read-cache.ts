import type { Context, MiddlewareHandler } from 'hono';
import { etag } from 'hono/etag';

interface Cached { body: string; contentType: string; cacheControl: string; expires: number }

/**
 * An in-process micro-cache of successful reads for `ttlMs` (default 1 s), keyed by path and
 * query, so a leaderboard polled by many reviewers costs one query per second; what Hono's etag
 * middleware cannot do. Any write through this API clears it; rows written by workers appear
 * within `ttlMs`.
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

/**
 * Caching of reads: Hono's etag (a strong ETag of the body, 304 on If-None-Match) around the
 * micro-cache, and Cache-Control: public for public reads, private where a token is needed or a
 * page carries presigned links; `no-store` for the probes.
 */
export function readCaching(opts: { readsPublic: boolean; noStore: Set<string>; ttlMs: number }): MiddlewareHandler {
  const cache = new ReadCache(opts.ttlMs);
  const withEtag = etag();
  const respond = (c: Context, e: Omit<Cached, 'expires'>): Response => {
    // Keep what other middleware set (CORS), replace what describes the body.
    const headers = new Headers(c.res.headers);
    for (const h of ['content-length', 'content-type', 'etag', 'cache-control']) headers.delete(h);
    headers.set('Content-Type', e.contentType);
    headers.set('Cache-Control', e.cacheControl);
    if (!opts.readsPublic) headers.append('Vary', 'Authorization');
    return new Response(e.body, { status: 200, headers });
  };
  const replace = (c: Context, res: Response) => {
    c.res = undefined;
    c.res = res;
  };
  return async (c, next) => {
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') {
      await next();
      if (c.req.method !== 'OPTIONS' && c.res.status < 400) cache.clear();
      return;
    }
    if (opts.noStore.has(c.req.path) && c.req.path !== '/openapi.json') {
      await next();
      c.res.headers.set('Cache-Control', 'no-store');
      return;
    }
    const key = c.req.url.slice(c.req.url.indexOf('/', c.req.url.indexOf('//') + 2));
    return withEtag(c, async () => {
      const hit = cache.get(key);
      if (hit) return replace(c, respond(c, hit));
      await next();
      if (c.res.status !== 200) return;
      // Run pages carry presigned links: keep them out of shared caches.
      const runPage = c.req.path.startsWith('/v1/runs/') || c.req.path.startsWith('/runs/');
      const entry = {
        body: await c.res.text(),
        contentType: c.res.headers.get('Content-Type') ?? 'application/octet-stream',
        cacheControl: !opts.readsPublic || runPage ? 'private, no-cache' : 'public, max-age=10, must-revalidate',
      };
      cache.set(key, { ...entry, expires: Date.now() + cache.ttlMs });
      replace(c, respond(c, entry));
    });
  };
}
