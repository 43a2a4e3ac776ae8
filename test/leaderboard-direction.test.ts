import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '@opensoc/api';
import { testPlatform, trainingWorkerEnv, type TestPlatform } from './support/platform.ts';
import { seedLeaderboard, type SeededLeaderboard } from './support/seed-leaderboard.ts';
import { repoRoot } from './support/services.ts';

/**
 * Significance marks carry their direction: the seeded sweep has a LoRA entry significantly
 * better than the best baseline, one significantly worse (and below the majority class), and
 * ties. The API, and the CLI reading the same database, must say which is which.
 */
let p: TestPlatform;
let seeded: SeededLeaderboard;
beforeAll(async () => {
  p = await testPlatform('lbdir');
  seeded = await seedLeaderboard(p.db.db);
});
afterAll(async () => { await p?.close(); });

interface Row { label: string; baseline: boolean; n: number; belowMajority: boolean; majorityAccuracy: number | null; accuracy: { value: number }; pVsBestBaseline: { adjusted: number | null; direction: string | null; onlyThis: number | null; onlyOther: number | null } }

async function apiRows(): Promise<Row[]> {
  const app = createApp({ db: p.db.db, store: p.store, auth: { readsPublic: true }, readCacheMs: 0 });
  const res = await app.request(`/v1/leaderboard?task=threatCategory&sweep=${seeded.sweepId}`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { items: Row[] }).items;
}

describe('direction-aware significance', () => {
  it('API: better only with more records right, worse with fewer, none otherwise', async () => {
    const rows = await apiRows();
    const base = rows.filter((r) => r.baseline).sort((a, b) => b.accuracy.value - a.accuracy.value)[0]!;
    const lora = rows.filter((r) => !r.baseline);
    const by = (d: string) => lora.filter((r) => r.pVsBestBaseline.direction === d);
    expect(by('better').length).toBeGreaterThan(0);
    expect(by('worse').map((r) => r.label)).toEqual(['r4-a8']);
    expect(by('none').length).toBeGreaterThan(0);
    for (const r of lora) {
      const t = r.pVsBestBaseline;
      expect(t.onlyThis).not.toBeNull();
      if (t.direction === 'better') { expect(t.onlyThis!).toBeGreaterThan(t.onlyOther!); expect(t.adjusted!).toBeLessThan(0.05); expect(r.accuracy.value).toBeGreaterThan(base.accuracy.value); }
      if (t.direction === 'worse') { expect(t.onlyThis!).toBeLessThan(t.onlyOther!); expect(t.adjusted!).toBeLessThan(0.05); expect(r.accuracy.value).toBeLessThan(base.accuracy.value); }
      if (t.direction === 'none') expect(t.adjusted! >= 0.05 || t.onlyThis === t.onlyOther).toBe(true);
    }
    for (const r of rows.filter((x) => x.baseline)) expect(r.pVsBestBaseline.direction).toBeNull();
    // The collapsed run is flagged below the majority class; the others are not.
    expect(rows.filter((r) => r.belowMajority).map((r) => r.label)).toEqual(['r4-a8']);
    expect(rows.every((r) => r.n === 120 && r.majorityAccuracy !== null)).toBe(true);
  });

  it('CLI: `better` and `WORSE` marks, n and the below-majority line', async () => {
    const rows = await apiRows();
    const env = { ...process.env, ...trainingWorkerEnv(p), DATABASE_URL: p.databaseUrl };
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'apps/cli/src/main.ts'), 'leaderboard', '--sweep', seeded.sweepId], { cwd: repoRoot, env });
    const line = (label: string) => stdout.split('\n').find((l) => l.split(/\s{2,}/)[2] === label)!;
    expect(line('r4-a8')).toMatch(/WORSE \*+/);
    expect(line('r4-a8')).toMatch(/BELOW MAJORITY/);
    expect(line('r4-a8')).toMatch(/\s120\s/);
    for (const r of rows.filter((x) => !x.baseline)) {
      const vsBaseline = line(r.label).split(/\s{2,}/)[8]!;
      if (r.pVsBestBaseline.direction === 'better') expect(vsBaseline).toMatch(/^\S+ better \*+$/);
      else if (r.pVsBestBaseline.direction === 'none') expect(vsBaseline).toMatch(/^[0-9.e-]+$/);
      else expect(vsBaseline).toMatch(/^\S+ WORSE \*+$/);
    }
    expect(stdout).toMatch(/1 of 12 entries score BELOW always answering the most frequent label: r4-a8/);
  });
});
