import { chmodSync, chownSync, existsSync, mkdirSync, writeFileSync, readdirSync, statSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { currentConfig, type OpenSocConfig } from '@opensoc/config';
import { ensureBinary, postgresBinDir } from './binaries.ts';
import { ephemeralPortRange, killGroup, portInUse, readPid, removeFile, spawnDaemon, tail, waitFor, run } from './process.ts';

export const SERVICE_NAMES = ['temporal', 'postgres', 's3'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export interface LocalServicesConfig {
  /** Root of all local state, normally <repo>/.opensoc. */
  dataDir: string;
  temporalPort: number;
  postgresPort: number;
  /** S3 gateway port; SeaweedFS's internal ports are derived from it. */
  s3Port: number;
  s3AccessKey: string;
  s3SecretKey: string;
}

/** The services under dataDir, on the ports and with the credentials the environment sets (loadConfig). */
export function defaultServicesConfig(dataDir: string, local: OpenSocConfig['local'] = currentConfig().local): LocalServicesConfig {
  return {
    dataDir: path.resolve(dataDir),
    temporalPort: local.temporalPort,
    postgresPort: local.postgresPort,
    s3Port: local.s3Port,
    s3AccessKey: local.s3AccessKey,
    s3SecretKey: local.s3SecretKey,
  };
}

/** The connection settings a client needs for each local service. */
export function connectionInfo(cfg: LocalServicesConfig) {
  return {
    temporalAddress: `127.0.0.1:${cfg.temporalPort}`,
    databaseUrl: `postgres://opensoc@127.0.0.1:${cfg.postgresPort}/opensoc`,
    s3Endpoint: `http://127.0.0.1:${cfg.s3Port}`,
    s3AccessKey: cfg.s3AccessKey,
    s3SecretKey: cfg.s3SecretKey,
  };
}

const paths = (cfg: LocalServicesConfig, name: ServiceName) => ({
  pidFile: path.join(cfg.dataDir, 'run', `${name}.pid`),
  logFile: path.join(cfg.dataDir, 'logs', `${name}.log`),
});

/** Every port a service listens on; all must be free before it starts. */
function servicePorts(cfg: LocalServicesConfig, name: ServiceName): number[] {
  if (name === 'temporal') return [cfg.temporalPort];
  if (name === 'postgres') return [cfg.postgresPort];
  const s = Object.values(seaweedPorts(cfg.s3Port));
  return [...s, ...s.map((p) => p + 10_000)];
}

/** SeaweedFS needs several internal ports (each also +10000 for gRPC); derive them from the S3 port. */
function seaweedPorts(s3: number) {
  return { s3, master: s3 + 1, volume: s3 + 2, filer: s3 + 3, admin: s3 + 4 };
}

/** SeaweedFS's own outgoing connections can grab a port it is about to listen on when that port is ephemeral. */
function ephemeralHint(ports: number[]): string {
  const [lo, hi] = ephemeralPortRange();
  const clash = ports.filter((p) => p >= lo && p <= hi);
  if (clash.length === 0) return '';
  return `\nnote: port(s) ${clash.join(', ')} lie in this machine's ephemeral range ${lo}-${hi}, where outgoing connections can take them first; choose ports below ${lo}`;
}

async function healthy(cfg: LocalServicesConfig, name: ServiceName): Promise<boolean> {
  if (name === 'temporal') return temporalHealthy(cfg);
  if (name === 'postgres') return postgresReady(cfg);
  return s3Healthy(cfg);
}

async function temporalHealthy(cfg: LocalServicesConfig): Promise<boolean> {
  if (!(await portInUse(cfg.temporalPort))) return false;
  try {
    const out = execFileSync(ensureBinary('temporal'), ['operator', 'cluster', 'health', '--address', `127.0.0.1:${cfg.temporalPort}`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 });
    return /SERVING/.test(out);
  } catch {
    return false;
  }
}

async function postgresReady(cfg: LocalServicesConfig): Promise<boolean> {
  try {
    run(path.join(postgresBinDir(), 'pg_isready'), ['-h', '127.0.0.1', '-p', String(cfg.postgresPort), '-U', 'opensoc', '-d', 'opensoc']);
    return true;
  } catch {
    return false;
  }
}

async function s3Healthy(cfg: LocalServicesConfig): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${cfg.s3Port}/healthz`, { signal: AbortSignal.timeout(2000) });
    return res.status === 200;
  } catch {
    return false;
  }
}

/** The unprivileged account PostgreSQL runs as when we are root (it refuses to run as root). */
function postgresOwner(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch {
    throw new Error('running as root and there is no "postgres" user to run PostgreSQL as (apt-get install postgresql-15 creates it)');
  }
}

function chownTree(dir: string, owner: { uid: number; gid: number }): void {
  chownSync(dir, owner.uid, owner.gid);
  for (const entry of readdirSync(dir)) {
    const p = path.join(dir, entry);
    if (statSync(p).isDirectory()) chownTree(p, owner);
    else chownSync(p, owner.uid, owner.gid);
  }
}

/** The postgres account must be able to reach its data directory through every parent (execute bit only). */
function allowTraverse(dir: string): void {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    const mode = statSync(d).mode;
    if ((mode & 0o001) === 0) chmodSync(d, mode | 0o001);
    if (d === path.dirname(d)) break;
  }
}

function startCommand(cfg: LocalServicesConfig, name: ServiceName): { command: string; args: string[]; env?: NodeJS.ProcessEnv; owner?: { uid: number; gid: number } } {
  if (name === 'temporal') {
    return {
      command: ensureBinary('temporal'),
      args: ['server', 'start-dev', '--db-filename', path.join(cfg.dataDir, 'temporal.db'), '--headless', '--ip', '127.0.0.1', '--port', String(cfg.temporalPort), '--log-level', 'warn'],
    };
  }
  if (name === 'postgres') {
    const bin = postgresBinDir();
    const dataDir = path.join(cfg.dataDir, 'postgres');
    const owner = postgresOwner();
    if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
      mkdirSync(dataDir, { recursive: true, mode: 0o700 });
      if (owner) allowTraverse(path.dirname(dataDir));
      if (owner) chownTree(dataDir, owner);
      run(path.join(bin, 'initdb'), ['-D', dataDir, '-U', 'opensoc', '--auth=trust', '-E', 'UTF8', '--no-instructions'], owner ?? {});
    }
    return {
      command: path.join(bin, 'postgres'),
      args: ['-D', dataDir, '-p', String(cfg.postgresPort), '-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${dataDir}`, '-c', 'fsync=on'],
      owner,
    };
  }
  const s3Dir = path.join(cfg.dataDir, 's3');
  mkdirSync(s3Dir, { recursive: true });
  const identities = path.join(s3Dir, 'identities.json');
  writeFileSync(identities, JSON.stringify({
    identities: [{ name: 'opensoc', credentials: [{ accessKey: cfg.s3AccessKey, secretKey: cfg.s3SecretKey }], actions: ['Admin', 'Read', 'Write', 'List', 'Tagging'] }],
  }));
  const p = seaweedPorts(cfg.s3Port);
  return {
    command: ensureBinary('weed'),
    args: ['mini', `-dir=${path.join(s3Dir, 'data')}`, '-ip=127.0.0.1', '-ip.bind=127.0.0.1', `-s3.port=${p.s3}`, `-master.port=${p.master}`, `-volume.port=${p.volume}`,
      `-filer.port=${p.filer}`, `-admin.port=${p.admin}`, '-admin.ui=false', '-webdav=false', '-s3.port.iceberg=0', '-s3.port.lance=0', `-s3.config=${identities}`, '-master.telemetry=false'],
  };
}

/** initdb only makes the "postgres" database; ours is created once, on first start. */
function ensureDatabase(cfg: LocalServicesConfig): void {
  const psql = path.join(postgresBinDir(), 'psql');
  const conn = ['-h', '127.0.0.1', '-p', String(cfg.postgresPort), '-U', 'opensoc', '-d', 'postgres', '-tAc'];
  const exists = run(psql, [...conn, "SELECT 1 FROM pg_database WHERE datname = 'opensoc'"]).trim() === '1';
  if (!exists) run(psql, [...conn, 'CREATE DATABASE opensoc']);
}

export interface ServiceStatus { name: ServiceName; running: boolean; healthy: boolean; pid: number | null; ports: number[] }

export async function serviceStatus(cfg: LocalServicesConfig, name: ServiceName): Promise<ServiceStatus> {
  const pid = readPid(paths(cfg, name).pidFile);
  return { name, pid, running: pid !== null, healthy: pid !== null && (await healthy(cfg, name)), ports: servicePorts(cfg, name) };
}

/** Idempotent: a running healthy service is left alone; a port held by someone else is a clear error. */
export async function startService(cfg: LocalServicesConfig, name: ServiceName, timeoutMs = 90_000): Promise<ServiceStatus> {
  const { pidFile, logFile } = paths(cfg, name);
  mkdirSync(path.dirname(pidFile), { recursive: true });
  const existing = readPid(pidFile);
  if (existing !== null) {
    await waitFor(name, () => healthy(cfg, name), timeoutMs, () => tail(logFile));
    return serviceStatus(cfg, name);
  }
  removeFile(pidFile);
  for (const port of servicePorts(cfg, name)) {
    if (await portInUse(port)) {
      throw new Error(`cannot start ${name}: port ${port} on 127.0.0.1 is already in use by another process (choose other ports with OPENSOC_${name.toUpperCase()}_PORT)`);
    }
  }
  const cmd = startCommand(cfg, name);
  const pid = spawnDaemon({ command: cmd.command, args: cmd.args, logFile, pidFile, env: cmd.env, uid: cmd.owner?.uid, gid: cmd.owner?.gid });
  try {
    await waitFor(name, async () => {
      if (readPid(pidFile) === null) throw new Error(`${name} exited during start-up:\n${tail(logFile)}`);
      return healthy(cfg, name);
    }, timeoutMs, () => `last lines of ${logFile}:\n${tail(logFile)}${ephemeralHint(servicePorts(cfg, name))}`);
  } catch (e) {
    await killGroup(pid, 5000);
    removeFile(pidFile);
    throw e;
  }
  if (name === 'postgres') ensureDatabase(cfg);
  return serviceStatus(cfg, name);
}

export async function stopService(cfg: LocalServicesConfig, name: ServiceName): Promise<void> {
  const { pidFile } = paths(cfg, name);
  const pid = readPid(pidFile);
  // postgres: SIGTERM to the postmaster is a "smart" shutdown; SIGINT is the fast one that still checkpoints.
  if (pid !== null && name === 'postgres') {
    try { process.kill(pid, 'SIGINT'); } catch { /* gone */ }
  }
  if (pid !== null) await killGroup(pid, 30_000);
  removeFile(pidFile);
}

export async function startAll(cfg: LocalServicesConfig, names: readonly ServiceName[] = SERVICE_NAMES): Promise<ServiceStatus[]> {
  const out: ServiceStatus[] = [];
  for (const name of names) out.push(await startService(cfg, name));
  return out;
}

export async function stopAll(cfg: LocalServicesConfig, names: readonly ServiceName[] = SERVICE_NAMES): Promise<void> {
  for (const name of [...names].reverse()) await stopService(cfg, name);
}
