import type { Context, Hono } from 'hono';
import type { z } from 'zod';
import type { Db } from '@opensoc/db';
import { TASKS } from '@opensoc/contracts';
import { ApiError, fromZod } from './errors.ts';
import { bestMode, DEFAULT_TASK, queryCompare, queryDatasets, queryDatasetVersion, queryLeaderboard, queryRun, querySweep, querySweeps, sweepEntries, type Presign, type SweepDetail } from './queries.ts';
import { compareQuerySchema, datasetNameSchema, datasetVersionParamSchema, idSchema, leaderboardQuerySchema, type LeaderboardRow } from './schemas.ts';
import { ErrorPage } from './views/layout.tsx';
import type { SweepEta } from './app.ts';
import {
  ComparePage, DatasetPage, DatasetsPage, HomePage, LeaderboardPage, RunPage, SweepPage, SweepsPage, type Grid,
} from './views/pages.tsx';

/** Query values from a GET form: empty fields mean "no filter". */
function formQuery(c: Context): Record<string, string> {
  return Object.fromEntries(Object.entries(c.req.query()).filter(([, v]) => v !== ''));
}

/** Parses a page's query or path value; a failure is the same 400 as the API's (fromZod), shown as a page. */
function parseOr400<T extends z.ZodType>(schema: T, value: unknown, where: 'query' | 'path'): z.output<T> {
  const r = schema.safeParse(value);
  if (!r.success) throw fromZod(r.error, where, where === 'path' ? 'id' : '(query)');
  return r.data;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
function loraShape(config: unknown): { rank: number; alpha: number } | null {
  if (typeof config !== 'object' || config === null) return null;
  const c = config as Record<string, unknown>;
  const nested = (typeof c.lora === 'object' && c.lora !== null ? c.lora : {}) as Record<string, unknown>;
  const rank = num(c.rank) ?? num(c.r) ?? num(nested.rank) ?? num(nested.r);
  const alpha = num(c.alpha) ?? num(c.loraAlpha) ?? num(c.lora_alpha) ?? num(nested.alpha);
  return rank !== null && alpha !== null ? { rank, alpha } : null;
}

/** Mean accuracy per (rank, alpha) over seeds for one task and mode. */
export function rankAlphaGrid(sweep: SweepDetail, entries: LeaderboardRow[], task: string, mode: string): Grid | null {
  const shapes = new Map(sweep.runs.map((r) => [r.id, loraShape(r.config)]));
  const cells = new Map<string, number[]>();
  for (const e of entries) {
    if (e.task !== task || e.mode !== mode || e.evalSet !== 'cv') continue;
    const s = shapes.get(e.runId);
    if (!s) continue;
    const k = `${s.rank}|${s.alpha}`;
    cells.set(k, [...(cells.get(k) ?? []), e.accuracy.value]);
  }
  if (cells.size === 0) return null;
  const keys = [...cells.keys()].map((k) => k.split('|').map(Number) as [number, number]);
  const ranks = [...new Set(keys.map((k) => k[0]))].sort((a, b) => a - b);
  const alphas = [...new Set(keys.map((k) => k[1]))].sort((a, b) => a - b);
  const values = ranks.map((r) => alphas.map((a) => {
    const xs = cells.get(`${r}|${a}`);
    return xs ? xs.reduce((s, x) => s + x, 0) / xs.length : null;
  }));
  return { rowLabels: ranks.map(String), colLabels: alphas.map(String), values };
}

const PAGE_MAX_ROWS = 100;

/** The reviewers' pages (routes; the components are in views/): server-rendered HTML, readable without JavaScript, linked from `/`. */
export function registerPages(app: Hono<any, any, any>, deps: { db: Db; presign: Presign; sweepEta?: SweepEta }): void {
  const { db, presign } = deps;
  const html = (c: Context, node: unknown, status: 200 | 400 | 404 = 200) => c.html(`<!doctype html>${String(node)}`, status);

  app.get('/', (c) => html(c, <HomePage />));

  app.get('/leaderboard', async (c) => {
    const parsed = parseOr400(leaderboardQuerySchema, formQuery(c), 'query');
    // Pages stay under 200 KB: at most 100 rows (the JSON API allows 200).
    // One task and one evaluation set at a time: ranking entries of different ones together means nothing.
    const q = { ...parsed, task: parsed.task ?? DEFAULT_TASK, evalSet: parsed.evalSet ?? 'cv', limit: Math.min(parsed.limit, PAGE_MAX_ROWS) };
    const r = await queryLeaderboard(db, q);
    return html(c, <LeaderboardPage q={q} items={r.items} nextCursor={r.nextCursor} />);
  });

  app.get('/sweeps', async (c) => html(c, <SweepsPage items={await querySweeps(db, { limit: 200 })} />));

  app.get('/sweeps/:id{.+}', async (c) => {
    const id = parseOr400(idSchema, c.req.param('id'), 'path');
    const sweep = await querySweep(db, id, deps.sweepEta);
    if (!sweep) throw new ApiError(404, 'sweep not found');
    const entries = await sweepEntries(db, id);
    const q = formQuery(c);
    const task = (TASKS as readonly string[]).includes(q.task ?? '') ? q.task! : 'threatCategory';
    const modes = [...new Set(entries.filter((e) => !e.baseline).map((e) => e.mode))].sort();
    const mode = q.mode && modes.includes(q.mode) ? q.mode : bestMode(entries, task);
    const grid = mode ? rankAlphaGrid(sweep, entries, task, mode) : null;
    return html(c, <SweepPage sweep={sweep} entries={entries} grid={grid} gridTask={task} gridMode={mode} modes={modes} />);
  });

  app.get('/runs/:id{.+}', async (c) => {
    const id = parseOr400(idSchema, c.req.param('id'), 'path');
    const run = await queryRun(db, id, presign);
    if (!run) throw new ApiError(404, 'run not found');
    return html(c, <RunPage run={run} />);
  });

  app.get('/compare', async (c) => {
    const raw = formQuery(c);
    if (!raw.a && !raw.b) return html(c, <ComparePage result={null} />);
    const q = parseOr400(compareQuerySchema, raw, 'query');
    const result = await queryCompare(db, q);
    return html(c, <ComparePage a={q.a} b={q.b} task={q.task} result={result ?? null} message={result ? undefined : 'No comparison is stored between these two runs.'} />, result ? 200 : 404);
  });

  app.get('/datasets', async (c) => html(c, <DatasetsPage items={await queryDatasets(db)} />));

  app.get('/datasets/:name/versions/:version', async (c) => {
    const name = parseOr400(datasetNameSchema, c.req.param('name'), 'path');
    const version = parseOr400(datasetVersionParamSchema, c.req.param('version'), 'path');
    const v = await queryDatasetVersion(db, name, version);
    if (!v) throw new ApiError(404, `dataset version ${name}@${version} not found`);
    return html(c, <DatasetPage v={v} />);
  });
}

/** Error pages for browser paths (the API keeps problem+json). */
export function htmlError(status: number, detail: string, errors?: { name: string; reason: string }[]): string {
  return `<!doctype html>${String(<ErrorPage status={status} detail={detail} errors={errors} />)}`;
}
