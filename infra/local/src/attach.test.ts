import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { attachable, detachServices, ensureService } from './attach.ts';
import { pin, registerClient } from './leases.ts';
import { stopService, type LocalServicesConfig } from './services.ts';

// A real PostgreSQL of its own (port next to the test services'), started and stopped here.
const cfg: LocalServicesConfig = {
  dataDir: mkdtempSync(path.join(tmpdir(), 'opensoc-attach-')),
  temporalPort: 1, s3Port: 1, s3AccessKey: 'x', s3SecretKey: 'y',
  postgresPort: Number(process.env.OPENSOC_TEST_POSTGRES_PORT ?? 25432) + 9,
};
afterAll(async () => {
  await stopService(cfg, 'postgres');
  rmSync(cfg.dataDir, { recursive: true, force: true });
});

describe('commands sharing the local services', () => {
  it('the last command to leave stops what commands started; what dev up pinned stays', async () => {
    expect(await ensureService(cfg, 'postgres')).toBe('started');
    expect(await ensureService(cfg, 'postgres')).toBe('attached');

    // Another command is still attached: leaving does not stop the server under it.
    const other = spawn('sleep', ['60']);
    registerClient(cfg.dataDir, other.pid);
    expect(await detachServices(cfg)).toEqual([]);
    expect(await attachable(cfg, 'postgres')).toBe(true);

    // It ends without detaching (killed): the next to leave is the last, and stops the server.
    other.kill();
    await new Promise((r) => other.once('exit', r));
    expect(await ensureService(cfg, 'postgres')).toBe('attached');
    expect(await detachServices(cfg)).toEqual(['postgres']);
    expect(await attachable(cfg, 'postgres')).toBe(false);

    // Pinned (as dev up does): no command stops it.
    expect(await ensureService(cfg, 'postgres')).toBe('started');
    pin(cfg.dataDir, 'postgres');
    expect(await detachServices(cfg)).toEqual([]);
    expect(await attachable(cfg, 'postgres')).toBe(true);
  });
});
