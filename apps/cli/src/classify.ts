import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Prediction, SweepContext, SweepSpec } from '@opensoc/contracts';
import { getLeaderboardEntry, getRun, getSweep, listFoldResults } from '@opensoc/db';
import { loadAdapter, loraFromPeftTensors, mergeLora } from '@opensoc/model';
import { BASELINE_CLASSIFIERS, NO_PREDICTION, answerLogs, baselineRendering } from '@opensoc/eval';
import { recordText, renderRecords } from '@opensoc/datasets';
import { datasetKey, loadDatasetRecords, loadSplit, type Platform } from '@opensoc/platform';
import { candidatesFrom, classifyByScoring, loadModelDir, localModelDir, type Candidates } from '@opensoc/worker';
import { classifyInputs } from './classify-input.ts';
import { CliError, EXIT } from './context.ts';
import { table } from './format.ts';

export const CLASSIFY_FORMATS = ['jsonl', 'csv', 'table'] as const;
export type ClassifyFormat = (typeof CLASSIFY_FORMATS)[number];

export type ClassifiedLine = { log: string } & Prediction['predicted'] & { reason?: string };
const COLUMNS = ['threatCategory', 'mitreTechnique', 'mitreTactic', 'severity', 'reason', 'log'] as const;

/** Why a line has no technique, in words (a non-benign category without one is otherwise invalid). */
export function nullReason(category: string, candidates: Candidates): string | undefined {
  if (category === 'benign') return 'benign: no technique applies';
  const known = candidates.byCategory?.[category];
  if (!known) return `the adapter's training data has no ${category} record, so it knows no technique for that category`;
  return `the adapter's training records of category ${category} carry no technique`;
}

const csvCell = (v: unknown) => {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** Writes classified lines as JSONL or CSV as they come; a table needs every row first, so it is printed at the end. */
export function lineWriter(format: ClassifyFormat, write: (s: string) => void): { line(l: ClassifiedLine): void; end(): void } {
  const rows: ClassifiedLine[] = [];
  if (format === 'csv') write(`${COLUMNS.join(',')}\n`);
  return {
    line(l) {
      if (format === 'jsonl') write(`${JSON.stringify(l)}\n`);
      else if (format === 'csv') write(`${COLUMNS.map((c) => csvCell(l[c])).join(',')}\n`);
      else rows.push(l);
    },
    end() {
      if (format !== 'table') return;
      const cut = (s: string) => (s.length > 60 ? `${s.slice(0, 57)}...` : s);
      write(`${table(['category', 'technique', 'tactic', 'severity', 'log'], rows.map((r) => [r.threatCategory ?? '-', r.mitreTechnique ?? `- (${r.reason ?? ''})`, r.mitreTactic ?? '-', r.severity ?? '-', cut(r.log.replace(/\s+/g, ' '))]))}\n`);
    },
  };
}

/**
 * A baseline entry: the baseline refitted on the same fold's training records the sweep used
 * (the fit is deterministic), then one JSON object per input line.
 */
async function classifyWithBaseline(p: Platform, sweepId: string, runId: string, name: keyof typeof BASELINE_CLASSIFIERS, fold: number, file: string | undefined, inputFormat: string | undefined, format: ClassifyFormat): Promise<void> {
  const sweep = await getSweep(p.db!.db, sweepId);
  const ctx = sweep?.context as SweepContext | undefined;
  if (!ctx) throw new CliError(`sweep ${sweepId} of run ${runId} has no recorded context`, EXIT.notFound);
  const split = await loadSplit(p.store, ctx.splitHash);
  if (!split.folds[fold]) throw new CliError(`run ${runId} has no fold ${fold}`, EXIT.notFound);
  const trainIds = new Set(split.folds[fold]!.trainIds);
  const records = await loadDatasetRecords(p.store, { objectKey: datasetKey(ctx.dataset.name, ctx.dataset.hash) });
  // The sweep's log rendering, for the fit and for every input line, as the sweep's units saw it.
  const rendering = baselineRendering(name, (sweep!.spec as Partial<SweepSpec>).logRendering ?? 'raw');
  const fitted = BASELINE_CLASSIFIERS[name]().fit(renderRecords(records.filter((r) => trainIds.has(r.id)), rendering));
  const started = Date.now();
  const writer = lineWriter(format, (s) => process.stdout.write(s));
  let n = 0;
  for await (const log of classifyInputs(file, inputFormat)) {
    // A baseline that declines (no Sigma rule matched) gives null labels and says why.
    const answer = answerLogs(fitted, [recordText({ log, source: 'input' }, rendering)])[0]!;
    writer.line('labels' in answer ? { log, ...(answer.labels as Prediction['predicted']) } : { log, threatCategory: null, mitreTechnique: null, mitreTactic: null, severity: null, reason: `${NO_PREDICTION}: ${answer.noPrediction}` });
    n++;
  }
  writer.end();
  console.error(`classified ${n} records in ${((Date.now() - started) / 1000).toFixed(1)}s with ${runId} (${name}, refitted on fold ${fold})`);
}

/**
 * Classifies logs with a trained adapter by label scoring (no output parser): one labelled record
 * per input line on stdout, throughput on stderr. Technique and tactic are chosen among the
 * combinations the adapter's training records carry for the chosen category, so every line is
 * consistent; a null technique comes with the reason.
 */
export async function classifyCommand(p: Platform, ref: string, fold: number, file: string | undefined, opts: { inputFormat?: string; format?: ClassifyFormat } = {}): Promise<void> {
  const format = opts.format ?? 'jsonl';
  const inputFormat = opts.inputFormat;
  const db = p.db!.db;
  const runId = (await getLeaderboardEntry(db, ref))?.runId ?? ref;
  const run = await getRun(db, runId);
  if (!run) throw new CliError(`no leaderboard entry or run named ${ref}`, EXIT.notFound);
  if (run.family in BASELINE_CLASSIFIERS) return classifyWithBaseline(p, run.sweepId, runId, run.family as keyof typeof BASELINE_CLASSIFIERS, fold, file, inputFormat, format);
  if (run.family !== 'lora') throw new CliError(`run ${runId} is a ${run.family} baseline, which classify cannot re-create`, EXIT.usage);
  const adapterKey = (await listFoldResults(db, runId)).find((f) => f.fold === fold && f.adapterKey)?.adapterKey;
  const sweep = await getSweep(db, run.sweepId);
  const ctx = sweep?.context as SweepContext | undefined;
  const spec = sweep?.spec as Partial<SweepSpec> | undefined;
  const maxSequenceLength = spec?.maxSequenceLength ?? 256;
  // The prompt format and label score the adapter was trained and evaluated with.
  const scoring = { maxSequenceLength, format: spec?.promptFormat ?? 'opensoc-ai', scoring: spec?.labelScoring ?? 'sum' } as const;
  if (!adapterKey || !ctx) throw new CliError(`run ${runId} has no adapter for fold ${fold}`, EXIT.notFound);

  const cacheDir = path.resolve(p.config.dataDir, 'cache');
  const m = await loadModelDir(await localModelDir(p.store, ctx.baseModelKeys[fold] ?? ctx.baseModelKeys[0]!, cacheDir));
  const dir = mkdtempSync(path.join(tmpdir(), 'opensoc-classify-'));
  try {
    for (const f of ['adapter_config.json', 'adapter_model.safetensors']) await p.store.downloadToFile(`${adapterKey}/${f}`, path.join(dir, f));
    const adapter = await loadAdapter(dir, { model: m.model.config });
    loraFromPeftTensors(m.model, adapter.weights as never, { r: adapter.config.r, lora_alpha: adapter.config.loraAlpha, use_rslora: adapter.config.useRslora });
    mergeLora(m.model);
    // The label candidates are those the adapter was trained on.
    const records = await loadDatasetRecords(p.store, { objectKey: datasetKey(ctx.dataset.name, ctx.dataset.hash) });
    const split = await loadSplit(p.store, ctx.splitHash);
    const trainIds = new Set(split.folds[fold]!.trainIds);
    const candidates = candidatesFrom(records.filter((r) => trainIds.has(r.id)), { consistent: true });

    const started = Date.now();
    const writer = lineWriter(format, (s) => process.stdout.write(s));
    let n = 0;
    for await (const log of classifyInputs(file, inputFormat)) {
      const predicted = classifyByScoring(m, log, candidates, scoring);
      const reason = predicted.mitreTechnique === null ? nullReason(predicted.threatCategory ?? '', candidates) : undefined;
      writer.line({ log, ...predicted, ...(reason ? { reason } : {}) });
      n++;
    }
    writer.end();
    const seconds = (Date.now() - started) / 1000;
    console.error(`classified ${n} records in ${seconds.toFixed(1)}s (${(n / Math.max(seconds, 1e-9)).toFixed(2)} records/s) with ${runId} fold ${fold}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    m.model.dispose();
  }
}
