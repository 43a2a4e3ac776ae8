import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { ArtifactStore } from '@opensoc/storage';
import { testServicesConfig } from './support/services.ts';
import { connectionInfo, defaultServicesConfig, ensureBinary, serviceStatus, startService, stopAll, stopService, type LocalServicesConfig } from '@opensoc/local-services';

// A private set of services on their own ports and data dir, so this test can stop and restart them freely.
const cfg: LocalServicesConfig = {
  dataDir: mkdtempSync(path.join(tmpdir(), 'opensoc-services-')),
  temporalPort: 26233, postgresPort: 24432, s3Port: 22333, s3AccessKey: 'k', s3SecretKey: 'secret-key',
};
const conn = connectionInfo(cfg);
afterAll(() => stopAll(cfg));

async function sqlQuery(q: string) {
  const client = new pg.Client({ connectionString: conn.databaseUrl });
  await client.connect();
  try { return (await client.query(q)).rows; } finally { await client.end(); }
}
const store = () => new ArtifactStore({ endpoint: conn.s3Endpoint, region: 'us-east-1', bucket: 'persist', accessKeyId: 'k', secretAccessKey: 'secret-key' });
const temporal = (...args: string[]) => execFileSync(ensureBinary('temporal'), [...args, '--address', conn.temporalAddress], { encoding: 'utf8' });

describe('local services', () => {
  it('start, report healthy, and are idempotent', async () => {
    for (const name of ['temporal', 'postgres', 's3'] as const) {
      const s = await startService(cfg, name);
      expect(s.healthy).toBe(true);
      const again = await startService(cfg, name);
      expect(again.pid).toBe(s.pid);
    }
  });

  it('keep their data across stop and start', async () => {
    await sqlQuery('CREATE TABLE kept (v text)');
    await sqlQuery("INSERT INTO kept VALUES ('still here')");
    const s3 = store();
    await s3.ensureBucket();
    await s3.putBytes('kept.txt', new TextEncoder().encode('bytes kept'));
    s3.destroy();
    temporal('operator', 'namespace', 'create', '--namespace', 'kept-ns');

    for (const name of ['temporal', 'postgres', 's3'] as const) {
      await stopService(cfg, name);
      expect((await serviceStatus(cfg, name)).running).toBe(false);
    }
    for (const name of ['temporal', 'postgres', 's3'] as const) await startService(cfg, name);

    expect(await sqlQuery('SELECT v FROM kept')).toEqual([{ v: 'still here' }]);
    const s3b = store();
    expect(await s3b.getText('kept.txt')).toBe('bytes kept');
    s3b.destroy();
    expect(temporal('operator', 'namespace', 'describe', '--namespace', 'kept-ns')).toContain('kept-ns');
  });

  it('stop leaves no process behind', async () => {
    const pids = [];
    for (const name of ['temporal', 'postgres', 's3'] as const) pids.push((await serviceStatus(cfg, name)).pid!);
    await stopAll(cfg);
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
    // postgres forks backends: none may survive the postmaster
    const left = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).split('\n').filter((l) => l.includes(cfg.dataDir));
    expect(left).toEqual([]);
  });

  // A listening port inside the kernel's ephemeral range can be taken by an outgoing connection first
  // (SeaweedFS's own components connect to each other while it starts): CI failed that way once.
  it('default, test and this file\'s ports all lie below the ephemeral range', async () => {
    const lowestEphemeral = 32768; // Linux's default ip_local_port_range starts here
    for (const c of [defaultServicesConfig(cfg.dataDir), testServicesConfig(), cfg]) {
      for (const name of ['temporal', 'postgres', 's3'] as const) {
        const { ports } = await serviceStatus(c, name);
        expect(ports.filter((p) => p >= lowestEphemeral), `${name} ports of ${c.dataDir}`).toEqual([]);
      }
    }
  });

  it('fails clearly when a port is taken', async () => {
    const blocker = net.createServer().listen(cfg.postgresPort, '127.0.0.1');
    await new Promise((r) => blocker.once('listening', r));
    try {
      await expect(startService(cfg, 'postgres')).rejects.toThrow(/port 24432 .* already in use/);
    } finally {
      blocker.close();
    }
  });
});
