/**
 * A worker process: `tsx apps/worker/src/main.ts [--queue orchestration,train-cpu]`.
 * Scale out by running more of these (on GPU hosts with --queue train-gpu) against one
 * Temporal cluster, PostgreSQL and S3 bucket; training workers need no database.
 * SIGTERM/SIGINT stop it gracefully: a running training saves a checkpoint to S3 and its
 * activity is retried by another worker from that checkpoint.
 */
import path from 'node:path';
import { loadConfig } from '@opensoc/config';
import { openPlatform } from '@opensoc/platform';
import { startWorkers, type QueueRole } from './worker.ts';

const arg = process.argv.indexOf('--queue');
const roles = (arg >= 0 ? process.argv[arg + 1]! : 'orchestration,train-cpu').split(',') as QueueRole[];
for (const r of roles) if (!['orchestration', 'train-cpu', 'train-gpu'].includes(r)) { console.error(`unknown queue role "${r}"`); process.exit(2); }

const config = loadConfig();
const needsDb = roles.includes('orchestration');
if (needsDb && config.database.mode === 'pglite') {
  console.error('opensoc worker: the embedded database (PGlite) lives inside one process; set DATABASE_URL (e.g. from `opensoc dev up`) to run the orchestration worker separately, or use `opensoc sweep start --wait`.');
  process.exit(2);
}
const platform = await openPlatform(config, { database: needsDb });
const running = await startWorkers(
  { db: platform.db?.db, store: platform.store, temporalAddress: platform.temporalAddress, namespace: platform.namespace },
  roles,
  { checkpointEvery: config.worker.checkpointEvery, cacheDir: path.resolve(config.dataDir, 'cache') },
);
console.log(JSON.stringify({ event: 'worker-started', roles, pid: process.pid }));
let stopping = false;
for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  process.on(sig, () => {
    if (stopping) return;
    stopping = true;
    console.log(JSON.stringify({ event: 'worker-stopping', signal: sig }));
    void running.shutdown();
  });
}
await running.done;
await platform.close();
console.log(JSON.stringify({ event: 'worker-stopped' }));
process.exit(0);
