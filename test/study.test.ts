import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listLeaderboard } from '@opensoc/db';
import { runCli } from './support/cli.ts';
import { testPlatform, type TestPlatform } from './support/platform.ts';
import { repoRoot } from './support/services.ts';

/**
 * The main job end to end at test scale, through the real CLI and real services: the study's
 * data (its first 27 training and 3 eval records) under the three designs, baselines only, and
 * the report (text, Markdown, HTML page, SVG and PNG figures). `pnpm demo` is the same command at
 * demo scale (LoRA on SmolLM2 too), too long for CI; its measured run is in README.md.
 */
const studyData = path.resolve(repoRoot, '../shared/data/opensoc-ai');
let p: TestPlatform;
const dir = mkdtempSync(path.join(tmpdir(), 'opensoc-study-'));

beforeAll(async () => {
  p = await testPlatform('study');
});
afterAll(async () => {
  await p?.close();
});

describe.skipIf(!existsSync(studyData))('opensoc study opensoc-ai --scale test', () => {
  it('runs the three designs and writes the claims table, tests, leakage, verdict and figures; a re-run resumes', async () => {
    const report = path.join(dir, 'study.md');
    const args = ['study', 'opensoc-ai', '--scale', 'test', '--limit', '27', '--report', report];
    const r = await runCli(p, ...args);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/estimated run time on 2 idle cores: ~\d+ min/);
    expect(r.stdout).toContain('== study claims vs measured here (accuracy [95% CI], macro-F1) ==');
    expect(r.stdout).toMatch(/threat type\s+study claims \(TinyLlama-1\.1B, LoRA\)\s+68\.0%/);
    for (const b of ['baseline-majority', 'baseline-nearest-neighbour', 'baseline-tfidf-logreg', 'baseline-sigma-rules']) expect(r.stdout).toContain(b);
    expect(r.stdout).toContain('== leakage per design ==');
    expect(r.stdout).toContain('== verdict (generated from the numbers above) ==');
    expect(r.stdout).toContain("No LoRA entry was measured on the study's split"); // test scale trains no LoRA, and says so

    const md = readFileSync(report, 'utf8');
    expect(md).toContain('## Lineage');
    expect(md).toMatch(/- data: opensoc-ai-limit27@`[0-9a-f]{64}`/);
    expect(md).toContain('## Figures');
    const html = readFileSync(path.join(dir, 'study.html'), 'utf8');
    expect(html).toContain('<svg ');
    const figures = readdirSync(path.join(dir, 'study-figures'));
    expect(figures).toContain('accuracy-by-design.svg');
    expect(figures).toContain('accuracy-by-design.png');
    expect(figures.some((f) => /^confusion-grouped-baseline-.*-threatCategory\.png$/.test(f))).toBe(true);

    // Each design's sweep is on the leaderboard with per-task n; the study's split tests its 3 eval records.
    const sweepIds = [...r.stderr.matchAll(/(fixed|stratified|grouped): sweep (\S+) started/g)].map((m) => m[2]!);
    expect(sweepIds).toHaveLength(3);
    const fixed = await listLeaderboard(p.db.db, { sweepId: sweepIds[0]!, task: 'threatCategory' });
    expect(fixed.length).toBeGreaterThan(0);
    expect(fixed.every((row) => row.n === 3)).toBe(true);

    // Sweep ids follow from data and spec: the same command attaches to the finished sweeps.
    const again = await runCli(p, ...args);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr.match(/: sweep \S+ already completed/g)).toHaveLength(3);
    // and the estimate counts only what is left
    expect(again.stderr).toMatch(/estimated run time on 2 idle cores: ~1 min \(.*; already completed: fixed, stratified, grouped\)/);
  }, 600_000);
});
