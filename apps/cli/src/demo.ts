import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { UNKNOWN_LABEL, type DatasetRecord, type SweepSpecInput } from '@opensoc/contracts';
import { getSweep, listComparisons, listLeaderboard } from '@opensoc/db';
import { pushRecords, startSweep } from '@opensoc/platform';
import { localWorkers, withPlatform, CliError } from './context.ts';
import { leaderboardTable, pval } from './format.ts';
import { watchSweep } from './watch.ts';

const corpusPath = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../datasets/soc-corpus.jsonl');

/** A deterministic subset with every category: the first n records of each category by id. */
export function demoSubset(records: DatasetRecord[], perCategory: number): DatasetRecord[] {
  const byCategory = new Map<string, DatasetRecord[]>();
  for (const r of [...records].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
    const list = byCategory.get(r.threatCategory ?? UNKNOWN_LABEL) ?? [];
    if (list.length < perCategory) list.push(r);
    byCategory.set(r.threatCategory ?? UNKNOWN_LABEL, list);
  }
  return [...byCategory.values()].flat();
}

/**
 * The sweep the README's first command runs. Sized for a 2-core machine in under 15 minutes:
 * a small Llama (hidden 64, 2 layers) pretrained by the pipeline on each fold's training logs,
 * then LoRA r in {4, 8, 16} x alpha in {r, 2r} on template-grouped 3-fold CV.
 */
export function demoSpec(datasetRef: string): SweepSpecInput {
  return {
    name: 'demo',
    dataset: datasetRef,
    evaluation: { kind: 'cv', k: 3, strategy: 'template-grouped', seed: 1 },
    baseModel: { kind: 'pretrain', hiddenSize: 64, layers: 2, heads: 4, kvHeads: 2, intermediateSize: 172, maxSequenceLength: 64, steps: 24, learningRate: 3e-3, seed: 1 },
    search: { kind: 'grid', grid: { ranks: [4, 8, 16], alphas: [{ timesRank: 1 }, { timesRank: 2 }], learningRates: [5e-3], epochs: [2] } },
    seeds: [1],
    batchSize: 8,
    maxSequenceLength: 128,
    modes: ['label-scoring', 'generate-fuzzy'],
    baselines: ['majority', 'keyword-rules', 'tfidf-logreg', 'nearest-neighbour', 'base-model'],
    concurrency: 2,
  };
}

export async function runDemo(opts: { perCategory: number }): Promise<void> {
  const started = Date.now();
  await withPlatform(async (p) => {
    const corpus = readFileSync(corpusPath, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as DatasetRecord);
    const deps = { db: p.db.db, store: p.store };
    const full = await pushRecords(deps, corpus, { name: 'soc-corpus', message: 'bundled corpus' });
    const subset = demoSubset(corpus, opts.perCategory);
    const demo = await pushRecords(deps, subset, { name: 'soc-corpus-demo', message: `${opts.perCategory} records per category of soc-corpus@${full.hash.slice(0, 12)}` });
    console.error(`datasets: soc-corpus@${full.hash.slice(0, 12)} (${full.records} records), soc-corpus-demo@${demo.hash.slice(0, 12)} (${demo.records} records)`);

    const workers = await localWorkers(p);
    try {
      const client = await p.connectTemporal();
      // The id follows from the data and the spec: re-running the demo after a crash or Ctrl-C
      // attaches to the same sweep, whose finished units are not redone.
      const spec = demoSpec(`soc-corpus-demo@${demo.hash}`);
      const id = `demo-${createHash('sha256').update(JSON.stringify(spec)).digest('hex').slice(0, 10)}`;
      const existing = await getSweep(p.db.db, id);
      const { sweepId, attached } = existing?.status === 'completed' ? { sweepId: id, attached: true } : await startSweep(client, spec, { sweepId: id });
      console.error(`sweep ${sweepId} ${attached ? 'resumed' : 'started'}`);
      const result = existing?.status === 'completed' ? { status: 'completed' } : await watchSweep(client, sweepId);
      if (result.status !== 'completed') throw new CliError(`sweep ${sweepId} ended ${result.status}`);
      for (const task of ['threatCategory', 'mitreTechnique', 'severity'] as const) {
        const rows = await listLeaderboard(p.db.db, { sweepId, task });
        console.log(`\n== ${task} (template-grouped 3-fold CV, pooled out-of-fold predictions, n=${rows[0]?.n ?? 0}) ==`);
        console.log(leaderboardTable(rows));
      }
      const top = (await listLeaderboard(p.db.db, { sweepId, task: 'threatCategory' })).find((r) => r.family === 'lora');
      const bestBaseline = (await listLeaderboard(p.db.db, { sweepId, task: 'threatCategory' })).find((r) => r.family !== 'lora');
      if (top && bestBaseline) {
        const c = (await listComparisons(p.db.db, top.runId, bestBaseline.runId)).find((x) => x.task === 'threatCategory');
        if (c) console.log(`\nMcNemar, best LoRA (${top.label}, ${top.mode}) vs best baseline (${bestBaseline.label}): only LoRA right ${c.onlyA}, only baseline right ${c.onlyB}, p=${pval(c.pValue)} (${c.test}), Holm-adjusted p=${pval(c.pAdjusted)}`);
      }
      console.log(`\nfinished in ${Math.round((Date.now() - started) / 1000)}s. Browse it: pnpm opensoc serve, then open http://127.0.0.1:8080/ ; re-run an entry: pnpm opensoc reproduce <entry> --wait`);
    } finally {
      await workers.stop();
    }
  });
}
