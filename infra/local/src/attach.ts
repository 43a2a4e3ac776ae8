import path from 'node:path';
import { acquireLock, isOnDemand, markOnDemand, otherClients, pin, registerClient, releaseClient } from './leases.ts';
import { portInUse, readPid } from './process.ts';
import { SERVICE_NAMES, startService, stopService, type LocalServicesConfig, type ServiceName } from './services.ts';

/**
 * How commands share the local services: a command attaches to what runs (`opensoc dev up`, or
 * another command) in milliseconds, starts what does not, and the last command to leave stops
 * what commands started; what dev up started stays until dev down.
 */
const startLock = (cfg: LocalServicesConfig) => path.join(cfg.dataDir, 'run', 'start.lock');
const mainPort = (cfg: LocalServicesConfig, name: ServiceName) => (name === 'temporal' ? cfg.temporalPort : name === 'postgres' ? cfg.postgresPort : cfg.s3Port);

/** Running (pid alive) and accepting connections: enough to attach; a full health check costs a process spawn. */
export async function attachable(cfg: LocalServicesConfig, name: ServiceName): Promise<boolean> {
  return readPid(path.join(cfg.dataDir, 'run', `${name}.pid`)) !== null && portInUse(mainPort(cfg, name));
}

async function locked<T>(cfg: LocalServicesConfig, fn: () => Promise<T>): Promise<T> {
  const release = await acquireLock(startLock(cfg), 'starting or stopping the local services', 180_000);
  try { return await fn(); } finally { release(); }
}

/** Attaches this process to a service, starting it on demand; 'started' means this call started it. */
export function ensureService(cfg: LocalServicesConfig, name: ServiceName): Promise<'attached' | 'started'> {
  return locked(cfg, async () => {
    registerClient(cfg.dataDir);
    if (await attachable(cfg, name)) return 'attached';
    await startService(cfg, name);
    markOnDemand(cfg.dataDir, name);
    return 'started';
  });
}

/** Detaches this process; if no other process is attached, stops the services commands started (unless stop is false). */
export function detachServices(cfg: LocalServicesConfig, opts: { stop?: boolean } = {}): Promise<ServiceName[]> {
  return locked(cfg, async () => {
    releaseClient(cfg.dataDir);
    if (opts.stop === false || otherClients(cfg.dataDir).length > 0) return [];
    const stopped: ServiceName[] = [];
    for (const name of [...SERVICE_NAMES].reverse()) {
      if (!isOnDemand(cfg.dataDir, name)) continue;
      await stopService(cfg, name);
      pin(cfg.dataDir, name);
      stopped.push(name);
    }
    return stopped;
  });
}

/** `opensoc dev up`: starts every service (idempotent) and pins it, so no command stops it. */
export function devUp(cfg: LocalServicesConfig): Promise<void> {
  return locked(cfg, async () => {
    for (const name of SERVICE_NAMES) {
      if (!(await attachable(cfg, name))) await startService(cfg, name);
      pin(cfg.dataDir, name);
    }
  });
}

export function devDown(cfg: LocalServicesConfig): Promise<void> {
  return locked(cfg, async () => {
    for (const name of [...SERVICE_NAMES].reverse()) { await stopService(cfg, name); pin(cfg.dataDir, name); }
  });
}
