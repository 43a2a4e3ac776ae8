import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listDatasetVersions } from '@opensoc/db';
import { runCli } from './support/cli.ts';
import { testPlatform, type TestPlatform } from './support/platform.ts';
import { repoRoot } from './support/services.ts';

let p: TestPlatform;
beforeAll(async () => { p = await testPlatform('cliformats'); });
afterAll(async () => { await p?.close(); });

const fixture = (name: string) => path.join(repoRoot, 'packages/datasets/src/importers/fixtures', name);

const opensoc = (...args: string[]) => runCli(p, ...args);

describe('opensoc dataset import --format for SOC exports (CLI, real PostgreSQL and S3)', () => {
  it('imports Windows event XML with sidecar labels and CloudTrail unlabelled, keeping parsed fields', async () => {
    const xml = await opensoc('dataset', 'import', fixture('windows-events.xml'), '--format', 'windows-xml', '--sidecar', fixture('windows-events.sidecar.json'), '--name', 'win-events', '--json');
    expect(xml.code, xml.stderr).toBe(0);
    expect(JSON.parse(xml.stdout).records).toBe(4);
    const ct = await opensoc('dataset', 'import', fixture('cloudtrail.json'), '--format', 'cloudtrail', '--name', 'trail', '--json');
    expect(ct.code, ct.stderr).toBe(0);
    const [version] = await listDatasetVersions(p.db.db, 'trail');
    const text = await p.store.getText(version!.objectKey);
    const records = text.trim().split('\n').map((l) => JSON.parse(l) as { fields: Record<string, string>; threatCategory: string | null });
    expect(records.map((r) => r.fields.eventName).sort()).toEqual(['CreateAccessKey', 'StopLogging']);
    expect(records.every((r) => r.threatCategory === null)).toBe(true);
  });

  it('rejects a malformed export naming file, line and field, and stores nothing', async () => {
    const bad = await opensoc('dataset', 'import', fixture('auth-log.txt'), '--format', 'access-log', '--name', 'bad-web');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/auth-log\.txt:1: field "request": not an access-log line/);
    expect(await listDatasetVersions(p.db.db, 'bad-web')).toHaveLength(0);
  });
});
