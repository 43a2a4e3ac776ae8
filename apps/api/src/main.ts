import { serve } from '@hono/node-server';
import { loadConfig } from '@opensoc/config';
import { connectPglite, connectPostgres } from '@opensoc/db';
import { ArtifactStore } from '@opensoc/storage';
import { createApp, jsonLogger, type AppDeps } from './app.ts';

/**
 * `tsx apps/api/src/main.ts`: serves the API and pages on PORT (default 8080).
 * API_READS_PUBLIC=false requires a read token for reads; API_CORS_ORIGINS is a comma list.
 * Write endpoints answer 503 until an orchestration layer passes startSweep & co. to createApp
 * (see apps/worker); `startServer` below takes them as options for that.
 */
export async function startServer(opts: Partial<Pick<AppDeps, 'startSweep' | 'cancelSweep' | 'startReproduction'>> & { port?: number; hostname?: string } = {}) {
  const config = loadConfig();
  const handle = config.database.mode === 'postgres' ? await connectPostgres(config.database.url) : await connectPglite(config.database.dir);
  const s3 = config.s3;
  const store = s3.mode === 'external'
    ? new ArtifactStore({ endpoint: s3.endpoint, region: s3.region, bucket: s3.bucket, accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey })
    // Embedded mode: the local S3 server that `opensoc dev up` starts (infra/local defaults).
    : new ArtifactStore({
      endpoint: `http://127.0.0.1:${process.env.OPENSOC_S3_PORT ?? 18333}`, region: s3.region, bucket: s3.bucket,
      accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? 'opensoc', secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? 'opensoc-secret',
    });
  const port = opts.port ?? Number(process.env.PORT ?? 8080);
  const origins = (process.env.API_CORS_ORIGINS ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const app = createApp({
    db: handle.db,
    store,
    auth: { readsPublic: process.env.API_READS_PUBLIC !== 'false' },
    ...(origins.length ? { cors: { origins } } : {}),
    logger: jsonLogger,
    startSweep: opts.startSweep,
    cancelSweep: opts.cancelSweep,
    startReproduction: opts.startReproduction,
  });
  const server = serve({ fetch: app.fetch, port, hostname: opts.hostname ?? process.env.HOST ?? '0.0.0.0' });
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), level: 'info', msg: 'listening', port, database: handle.kind })}\n`);
  const close = async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    store.destroy();
    await handle.close();
  };
  return { app, server, close };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { close } = await startServer();
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => { void close().then(() => process.exit(0)); });
  }
}
