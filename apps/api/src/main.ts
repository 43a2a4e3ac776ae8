import { serve } from '@hono/node-server';
import { loadConfig } from '@opensoc/config';
import { openPlatform } from '@opensoc/platform';
import { createApp, jsonLogger, type AppDeps } from './app.ts';

/**
 * `tsx apps/api/src/main.ts`: serves the API and pages on PORT (default 8080), bound to HOST
 * (default 0.0.0.0). API_READS_PUBLIC=false requires a read token for reads; API_CORS_ORIGINS is
 * a comma list. All of them are read by loadConfig. Write endpoints answer 503 until an
 * orchestration layer passes startSweep & co. (`opensoc serve` does); `startServer` takes them.
 */
export async function startServer(opts: Partial<Pick<AppDeps, 'startSweep' | 'cancelSweep' | 'startReproduction'>> & { port?: number; hostname?: string } = {}) {
  const config = loadConfig();
  // The API never talks to Temporal itself, so it does not start it.
  const platform = await openPlatform(config, { lazyTemporal: true });
  const handle = platform.db!;
  const port = opts.port ?? config.api.port;
  const app = createApp({
    db: handle.db,
    store: platform.store,
    auth: { readsPublic: config.api.readsPublic },
    ...(config.api.corsOrigins.length ? { cors: { origins: config.api.corsOrigins } } : {}),
    logger: jsonLogger,
    startSweep: opts.startSweep,
    cancelSweep: opts.cancelSweep,
    startReproduction: opts.startReproduction,
  });
  const server = serve({ fetch: app.fetch, port, hostname: opts.hostname ?? config.api.host ?? '0.0.0.0' });
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), level: 'info', msg: 'listening', port, database: handle.kind })}\n`);
  const close = async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await platform.close();
  };
  return { app, server, close };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { close } = await startServer();
  let stopping = false;
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      if (stopping) return;
      stopping = true;
      void close().then(() => process.exit(0));
    });
  }
}
