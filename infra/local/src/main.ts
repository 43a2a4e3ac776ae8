#!/usr/bin/env -S npx tsx
/** `opensoc-services up|down|status [temporal|postgres|s3 ...]`: local services for development and CI. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '@opensoc/config';
import { SERVICE_NAMES, defaultServicesConfig, serviceStatus, startAll, stopAll, connectionInfo, type ServiceName } from './services.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const cfg = defaultServicesConfig(loadConfig(process.env, path.join(repoRoot, '.opensoc')).dataDir);
const [command = 'status', ...rest] = process.argv.slice(2);
const names = (rest.length ? rest : SERVICE_NAMES) as ServiceName[];
for (const n of names) if (!SERVICE_NAMES.includes(n)) { console.error(`unknown service "${n}" (one of ${SERVICE_NAMES.join(', ')})`); process.exit(2); }

try {
  if (command === 'up') {
    for (const s of await startAll(cfg, names)) console.log(`${s.name}: healthy (pid ${s.pid}, ports ${s.ports.join(',')})`);
    console.log(JSON.stringify(connectionInfo(cfg)));
  } else if (command === 'down') {
    await stopAll(cfg, names);
    console.log(`stopped ${names.join(', ')}`);
  } else if (command === 'status') {
    for (const n of names) { const s = await serviceStatus(cfg, n); console.log(`${n}: ${s.running ? (s.healthy ? 'healthy' : 'running, unhealthy') : 'stopped'}${s.pid ? ` (pid ${s.pid})` : ''}`); }
  } else {
    console.error('usage: opensoc-services up|down|status [temporal|postgres|s3 ...]');
    process.exit(2);
  }
} catch (e) {
  console.error((e as Error).message);
  process.exit(1);
}
