/**
 * Measures the sigma-rules baseline on dataset files: how many records parse, how many any rule
 * matches (coverage), and tactic / technique accuracy; optionally the other baselines under
 * template-grouped 5-fold CV on raw and compact text, for comparison on the same records.
 *   npx tsx packages/eval/src/sigma/measure-cli.ts [--cv [--baselines a,b] [--texts raw,compact]] <dataset.jsonl | opensoc-ai.json> ...
 */
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import type { DatasetRecord, Task } from '@opensoc/contracts';
import { importOpenSocAiFile, materializeSplit, parseEventsText, readJsonlDataset, renderCompactLog } from '@opensoc/datasets';
import { answerLogs, answeredAccuracy, keywordRulesBaseline, majorityBaseline, tfidfLogRegBaseline } from '../baselines.ts';
import type { BaselineClassifier } from '../baselines.ts';
import type { TaskLabels } from '../format.ts';
import { ruleLabels, sigmaRulesBaseline } from './baseline.ts';
import { SigmaEngine } from './engine.ts';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { cv: { type: 'boolean', default: false }, baselines: { type: 'string', default: 'majority,keyword-rules,tfidf-logreg' }, texts: { type: 'string', default: 'raw,compact' } } });

async function load(path: string): Promise<DatasetRecord[]> {
  if (path.endsWith('.jsonl')) return readJsonlDataset(path);
  const res = await importOpenSocAiFile(path);
  if (res.errors.length > 0) throw new Error(res.errors.map((e) => e.message).join('\n'));
  return res.records;
}

const accuracy = answeredAccuracy;

const pct = (a: { correct: number; n: number }) => `${((100 * a.correct) / Math.max(1, a.n)).toFixed(1)}% (${a.correct}/${a.n})`;

function crossValidate(records: readonly DatasetRecord[], baseline: BaselineClassifier, text: (log: string) => string): (TaskLabels | undefined)[] {
  const { manifest } = materializeSplit(records, { kind: 'template-grouped-kfold', k: 5, seed: 1 });
  const byId = new Map(records.map((r, i) => [r.id, i]));
  const out: (TaskLabels | undefined)[] = new Array(records.length);
  for (const fold of manifest.folds) {
    const train = fold.trainIds.map((id) => records[byId.get(id)!]!).map((r) => ({ ...r, log: text(r.log) }));
    const test = fold.testIds.map((id) => records[byId.get(id)!]!);
    const answers = answerLogs(baseline.fit(train), test.map((r) => text(r.log)));
    fold.testIds.forEach((id, j) => { const a = answers[j]!; out[byId.get(id)!] = 'labels' in a ? a.labels : undefined; });
  }
  return out;
}

const sigma = sigmaRulesBaseline();
for (const path of positionals) {
  const records = await load(path);
  const logs = records.map((r) => r.log);
  const started = performance.now();
  const parsed = logs.filter((l) => parseEventsText(l).length > 0).length;
  const matches = logs.map((l) => sigma.engine.matchLog(l));
  const predicted = matches.map((m) => { const best = SigmaEngine.best(m); return best ? ruleLabels(best) : undefined; });
  const matched = matches.filter((m) => m.length > 0).length;
  const attack = records.filter((r) => r.threatCategory !== 'benign');
  const benignFlagged = records.filter((r, i) => r.threatCategory === 'benign' && predicted[i] !== undefined && predicted[i].threatCategory !== 'benign').length;
  console.log(`\n## ${basename(path)}: ${records.length} records (${attack.length} attack)`);
  console.log(`parsed by an importer: ${parsed} (${((100 * parsed) / records.length).toFixed(1)}%)`);
  console.log(`sigma-rules coverage (any rule matches): ${matched} (${((100 * matched) / records.length).toFixed(1)}%); benign records flagged: ${benignFlagged}`);
  console.log(`sigma-rules accuracy: tactic ${pct(accuracy(records, predicted, 'mitreTactic'))}, technique ${pct(accuracy(records, predicted, 'mitreTechnique'))}, parent technique ${pct(accuracy(records, predicted, 'mitreTechniqueParent'))}, category ${pct(accuracy(records, predicted, 'threatCategory'))}  [${((performance.now() - started) / 1000).toFixed(1)} s]`);
  const onAttack = (task: Task) => accuracy(attack, predicted.filter((_, i) => records[i]!.threatCategory !== 'benign'), task);
  console.log(`sigma-rules on attack records only: tactic ${pct(onAttack('mitreTactic'))}, technique ${pct(onAttack('mitreTechnique'))}`);
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  console.log(`median length: raw ${median(logs.map((l) => l.length))} chars, compact ${median(logs.map((l) => renderCompactLog(l).length))} chars`);
  if (!values.cv) continue;
  const all: BaselineClassifier[] = [majorityBaseline, keywordRulesBaseline, tfidfLogRegBaseline()];
  const texts = [['raw', (l: string) => l], ['compact', renderCompactLog]] as const;
  for (const b of all.filter((x) => values.baselines.split(',').includes(x.name))) {
    for (const [name, text] of texts.filter(([n]) => values.texts.split(',').includes(n))) {
      const t0 = performance.now();
      const p = crossValidate(records, b, text);
      console.log(`${b.name} (${name} text, template-grouped 5-fold): tactic ${pct(accuracy(records, p, 'mitreTactic'))}, technique ${pct(accuracy(records, p, 'mitreTechnique'))}, category ${pct(accuracy(records, p, 'threatCategory'))}  [${((performance.now() - t0) / 1000).toFixed(1)} s]`);
    }
  }
}
