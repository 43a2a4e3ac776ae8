import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// First: the API extends zod for OpenAPI before any shared schema is built (issue 10, item 1).
import { createTestApi, type TestApi } from './support/seed-leaderboard.ts';
import { competitionRanks } from '@opensoc/contracts';
import { listLeaderboard, upsertLeaderboardEntries, type LeaderboardEntryRow } from '@opensoc/db';
import { leaderboardTable } from '../apps/cli/src/format.ts';

/** API, pages and CLI rank the same entries the same way, ties included (contracts/ranking.ts). */
let t: TestApi;
let cvEntries: LeaderboardEntryRow[];

beforeAll(async () => {
  t = await createTestApi('ranking');
  const db = t.handle.db;
  cvEntries = await listLeaderboard(db, { task: 'threatCategory', sweepId: t.seeded.sweepId });
  // A second mode whose every entry scores zero (what an unparseable generation gives), and an
  // extra evaluation set named by its hashed label, as sweeps store it.
  const lora = cvEntries.filter((e) => e.family === 'lora');
  await upsertLeaderboardEntries(db, lora.map((e) => ({ ...e, id: `${e.id}:fuzzy`, mode: 'generate-fuzzy', accuracy: 0, accuracyLow: 0, accuracyHigh: 0.03, macroF1: 0, pVsTop: null, pVsTopAdjusted: null })));
  await upsertLeaderboardEntries(db, [{ ...lora[0]!, id: `${lora[0]!.id}:extra`, evalSet: 'opensoc-ai-eval@0123456789ab' }]);
});
afterAll(async () => { await t?.close(); });

const htmlOrder = (html: string) => [...html.matchAll(/<span class="rank muted">(\d+)\. <\/span><a href="\/runs\/([^"]+)" class="run-link">([^<]+)<\/a>/g)]
  .map((m) => ({ rank: Number(m[1]), runId: decodeURIComponent(m[2]!), label: m[3]! }));

describe('one ranking everywhere', () => {
  it('the seeded leaderboard has a tie to rank', () => {
    const accs = cvEntries.map((e) => e.accuracy);
    expect(new Set(accs).size).toBeLessThan(accs.length);
  });

  it('API, page and CLI list the entries in the same order and give tied entries the same rank', async () => {
    const api = await (await t.app.request(`/v1/leaderboard?task=threatCategory&mode=label-scoring&evalSet=cv&limit=200`)).json() as { items: { id: string; runId: string; accuracy: { value: number } }[] };
    const cli = await listLeaderboard(t.handle.db, { task: 'threatCategory', mode: 'label-scoring' });
    expect(api.items.map((e) => e.id)).toEqual(cli.map((e) => e.id));

    const page = htmlOrder(await (await t.app.request('/leaderboard?mode=label-scoring')).text());
    expect(page.map((p) => p.runId)).toEqual(cli.map((e) => e.runId));
    const ranks = competitionRanks(cli, (e) => e.accuracy);
    expect(page.map((p) => p.rank)).toEqual(ranks);
    // The CLI's table prints the same ranks in its first column.
    // Table rows only: the summary lines after the table (below-majority entries) carry no rank.
    const table = leaderboardTable(cli).split('\n').slice(2).join('\n').split('\n\n')[0]!.split('\n').map((line) => Number(line.split(/\s+/)[0]));
    expect(table).toEqual(ranks);
    // Tied entries share a rank, the next one skips (1, 2, 2, 4).
    const tied = cli.findIndex((e, i) => i > 0 && e.accuracy === cli[i - 1]!.accuracy);
    expect(ranks[tied]).toBe(ranks[tied - 1]);
    if (tied + 1 < cli.length && cli[tied + 1]!.accuracy !== cli[tied]!.accuracy) expect(ranks[tied + 1]).toBe(tied + 2);
  });

  it('the leaderboard page opens on the threat-category task and cross-validation', async () => {
    const html = await (await t.app.request('/leaderboard')).text();
    expect(html).toContain('entries for Threat category');
    expect(html).toMatch(/<a href="\/leaderboard\?task=severity"[^>]*>Severity<\/a>/);
    expect(html).toMatch(/<a href="\/leaderboard\?task=threatCategory" aria-current="page">Threat category<\/a>/);
    expect(htmlOrder(html).length).toBe(cvEntries.length + cvEntries.filter((e) => e.family === 'lora').length);
  });

  it('an extra evaluation set is found by its dataset name alone, in the API and the CLI', async () => {
    const api = await (await t.app.request('/v1/leaderboard?evalSet=opensoc-ai-eval&task=threatCategory')).json() as { items: { evalSet: string }[] };
    expect(api.items.map((e) => e.evalSet)).toEqual(['opensoc-ai-eval@0123456789ab']);
    expect((await listLeaderboard(t.handle.db, { evalSet: 'opensoc-ai-eval', task: 'threatCategory' })).length).toBe(1);
    expect((await listLeaderboard(t.handle.db, { evalSet: 'opensoc-ai-eval@01234567', task: 'threatCategory' })).length).toBe(1);
    expect((await listLeaderboard(t.handle.db, { evalSet: 'opensoc-ai', task: 'threatCategory' })).length).toBe(0);
    expect((await listLeaderboard(t.handle.db, { datasetName: `corpus@${t.seeded.datasetHash.slice(0, 8)}`, task: 'threatCategory' })).length).toBe(cvEntries.length * 2 - cvEntries.filter((e) => e.family !== 'lora').length);
  });

  it('the sweep heatmap opens on the best mode, not the first one', async () => {
    const html = await (await t.app.request(`/sweeps/${encodeURIComponent(t.seeded.sweepId)}`)).text();
    expect(html).toMatch(/<option value="label-scoring" selected="">label-scoring<\/option>/);
    expect(html).toContain('Mean accuracy (threatCategory, label-scoring)');
  });
});
