import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { App } from './app.ts';

/** Serves an app with @hono/node-server; port 0 picks a free port. Resolves once listening. */
export function listen(app: App, opts: { port?: number; hostname?: string } = {}): Promise<{ url: string; port: number; close(): Promise<void> }> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, port: opts.port ?? 0, hostname: opts.hostname ?? '127.0.0.1' }, (info: AddressInfo) => {
      resolve({
        url: `http://${opts.hostname ?? '127.0.0.1'}:${info.port}`,
        port: info.port,
        close: () => new Promise<void>((done) => {
          (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
          server.close(() => done());
        }),
      });
    });
    server.once('error', reject);
  });
}
