import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { SweepContext, SweepSpec } from '@opensoc/contracts';
import { getLeaderboardEntry, getRun, getSweep, listFoldResults } from '@opensoc/db';
import { loadAdapter, loraFromPeftTensors, mergeLora } from '@opensoc/model';
import { datasetKey, loadDatasetRecords, loadSplit, type Platform } from '@opensoc/platform';
import { candidatesFrom, classifyByScoring, loadModelDir, localModelDir } from '@opensoc/worker';
import { classifyInputs } from './classify-input.ts';
import { CliError, EXIT } from './context.ts';

/**
 * Classifies logs with a trained adapter by label scoring (no output parser): one JSON object
 * per input line on stdout, throughput on stderr.
 */
export async function classifyCommand(p: Platform, ref: string, fold: number, file: string | undefined, format?: string): Promise<void> {
  const db = p.db!.db;
  const runId = (await getLeaderboardEntry(db, ref))?.runId ?? ref;
  const run = await getRun(db, runId);
  if (!run) throw new CliError(`no leaderboard entry or run named ${ref}`, EXIT.notFound);
  if (run.family !== 'lora') throw new CliError(`run ${runId} is a ${run.family} baseline, not a LoRA adapter`, EXIT.usage);
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
