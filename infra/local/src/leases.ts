import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pidAlive, sleep } from './process.ts';

/**
 * Who uses the local services, so that services one command started on demand are stopped by
 * the last command still using them (not by the first to finish while another still works),
 * and services `opensoc dev up` started are never stopped by a command.
 *
 *   <dataDir>/run/clients/<pid>         a process attached to the services
 *   <dataDir>/run/<service>.on-demand   the service was started by a command, not by dev up
 */
const clientsDir = (dataDir: string) => path.join(dataDir, 'run', 'clients');
const onDemandFile = (dataDir: string, name: string) => path.join(dataDir, 'run', `${name}.on-demand`);

export function registerClient(dataDir: string, pid = process.pid): void {
  mkdirSync(clientsDir(dataDir), { recursive: true });
  writeFileSync(path.join(clientsDir(dataDir), String(pid)), `${pid}\n`);
}

export function releaseClient(dataDir: string, pid = process.pid): void {
  rmSync(path.join(clientsDir(dataDir), String(pid)), { force: true });
}

/** Live attached processes other than this one; files of dead ones are removed on the way. */
export function otherClients(dataDir: string, pid = process.pid): number[] {
  if (!existsSync(clientsDir(dataDir))) return [];
  const alive: number[] = [];
  for (const entry of readdirSync(clientsDir(dataDir))) {
    const other = Number(entry);
    if (!Number.isInteger(other) || other === pid) continue;
    if (pidAlive(other)) alive.push(other);
    else rmSync(path.join(clientsDir(dataDir), entry), { force: true });
  }
  return alive;
}

export function markOnDemand(dataDir: string, name: string): void {
  mkdirSync(path.dirname(onDemandFile(dataDir, name)), { recursive: true });
  writeFileSync(onDemandFile(dataDir, name), `${process.pid}\n`);
}
export function isOnDemand(dataDir: string, name: string): boolean { return existsSync(onDemandFile(dataDir, name)); }
/** `dev up` pins a service: from now on only `dev down` stops it. */
export function pin(dataDir: string, name: string): void { rmSync(onDemandFile(dataDir, name), { force: true }); }

export class LockedError extends Error {}

/**
 * An exclusive lock held by one live process (a file with its pid; a dead holder's lock is taken
 * over). waitMs > 0 waits for the holder; otherwise a second process gets a LockedError naming it.
 */
export async function acquireLock(file: string, what: string, waitMs = 0): Promise<() => void> {
  mkdirSync(path.dirname(file), { recursive: true });
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      const fd = openSync(file, 'wx');
      writeFileSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return () => { if (holder(file) === process.pid) rmSync(file, { force: true }); };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const pid = holder(file);
    // An empty file is a lock being written this instant: look again rather than take it.
    if (pid === null) { await sleep(20); if (holder(file) === null && existsSync(file)) rmSync(file, { force: true }); continue; }
    if (!pidAlive(pid)) { rmSync(file, { force: true }); continue; }
    if (pid === process.pid) throw new LockedError(`${what} is already open in this process (${file})`);
    if (Date.now() >= deadline) throw new LockedError(`${what} is in use by process ${pid} (lock ${file}); wait for it to finish or stop it`);
    await sleep(100);
  }
}

function holder(file: string): number | null {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}
