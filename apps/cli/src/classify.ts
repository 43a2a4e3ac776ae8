import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { SweepContext, SweepSpec } from '@opensoc/contracts';
import { getLeaderboardEntry, getRun, getSweep, listFoldResults } from '@opensoc/db';
import { loadAdapter, loraFromPeftTensors, mergeLora } from '@opensoc/model';
import { BASELINE_CLASSIFIERS } from '@opensoc/eval';
import { datasetKey, loadDatasetRecords, loadSplit, type Platform } from '@opensoc/platform';
import { candidatesFrom, classifyByScoring, loadModelDir, localModelDir } from '@opensoc/worker';
import { classifyInputs } from './classify-input.ts';
import { CliError, EXIT } from './context.ts';

/**
 * A baseline entry: the baseline refitted on the same fold's training records the sweep used
 * (the fit is deterministic), then one JSON object per input line.
 */
async function classifyWithBaseline(p: Platform, sweepId: string, runId: string, name: keyof typeof BASELINE_CLASSIFIERS, fold: number, file: string | undefined, format: string | undefined): Promise<void> {
  const ctx = (await getSweep(p.db!.db, sweepId))?.context as SweepContext | undefined;
  if (!ctx) throw new CliError(`sweep ${sweepId} of run ${runId} has no recorded context`, EXIT.notFound);
  const split = await loadSplit(p.store, ctx.splitHash);
  if (!split.folds[fold]) throw new CliError(`run ${runId} has no fold ${fold}`, EXIT.notFound);
  const trainIds = new Set(split.folds[fold]!.trainIds);
  const records = await loadDatasetRecords(p.store, { objectKey: datasetKey(ctx.dataset.name, ctx.dataset.hash) });
  const fitted = BASELINE_CLASSIFIERS[name]().fit(records.filter((r) => trainIds.has(r.id)));
  const started = Date.now();
  let n = 0;
  for await (const log of classifyInputs(file, format)) {
    process.stdout.write(`${JSON.stringify({ log, ...fitted.predict([log])[0]! })}\n`);
    n++;
  }
  console.error(`classified ${n} records in ${((Date.now() - started) / 1000).toFixed(1)}s with ${runId} (${name}, refitted on fold ${fold})`);
}

/**
 * Classifies logs with a trained adapter by label scoring (no output parser): one JSON object
 * per input line on stdout, throughput on stderr.
 */
export async function classifyCommand(p: Platform, ref: string, fold: number, file: string | undefined, format?: string): Promise<void> {
  const db = p.db!.db;
  const runId = (await getLeaderboardEntry(db, ref))?.runId ?? ref;
  const run = await getRun(db, runId);
  if (!run) throw new CliError(`no leaderboard entry or run named ${ref}`, EXIT.notFound);
  if (run.family in BASELINE_CLASSIFIERS) return classifyWithBaseline(p, run.sweepId, runId, run.family as keyof typeof BASELINE_CLASSIFIERS, fold, file, format);
  if (run.family !== 'lora') throw new CliError(`run ${runId} is a ${run.family} baseline, which classify cannot re-create`, EXIT.usage);
  const adapterKey = (await listFoldResults(db, runId)).find((f) => f.fold === fold && f.adapterKey)?.adapterKey;
  const sweep = await getSweep(db, run.sweepId);
  const ctx = sweep?.context as SweepContext | undefined;
  const maxSequenceLength = (sweep?.spec as SweepSpec | undefined)?.maxSequenceLength ?? 256;
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
    const candidates = candidatesFrom(records.filter((r) => trainIds.has(r.id)));

    const started = Date.now();
    let n = 0;
    for await (const log of classifyInputs(file, format)) {
      const predicted = classifyByScoring(m, log, candidates, maxSequenceLength);
      process.stdout.write(`${JSON.stringify({ log, ...predicted })}\n`);
      n++;
    }
    const seconds = (Date.now() - started) / 1000;
    console.error(`classified ${n} records in ${seconds.toFixed(1)}s (${(n / Math.max(seconds, 1e-9)).toFixed(2)} records/s) with ${runId} fold ${fold}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    m.model.dispose();
  }
}
