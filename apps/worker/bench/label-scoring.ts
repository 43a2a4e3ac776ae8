/**
 * What the label-scoring levers buy, end to end, on SmolLM2-135M-Instruct: seconds per record of
 * classifyByScoring over study records, in one process so the ratios are against a reference
 * measured under the same load.
 *  - reference: every threat category and every technique/tactic the training records carry;
 *  - consistent candidates: only label combinations the training records carry (the sweep default);
 *  - + shared prefixes: the instruction prefix (and, for 'calibrated', the content-free prompt)
 *    computed once per pass instead of once per record.
 * It also checks that the shared prefixes change no prediction.
 *
 *   pnpm bench label-scoring [--records 20] [--max-len 192] [--scoring sum|calibrated] [--backend tensorflow]
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LabelScoring } from '@opensoc/contracts';
import { importOpenSocAiRows } from '@opensoc/datasets';
import { findInstalledModel, initBackend, type BackendName } from '@opensoc/model';
import { SharedPrefixes, candidatesFrom, classifyByScoring, loadModelDir, type Candidates } from '../src/model-service.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(here, '../../..');
const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1]! : dflt;
};
const nRecords = Number(arg('records', '20'));
const maxLen = Number(arg('max-len', '192'));
const scoring = arg('scoring', 'sum') as LabelScoring;
const backend = arg('backend', 'tensorflow') as BackendName;

const dataDir = path.resolve(REPO, '..', 'shared', 'data', 'opensoc-ai');
const read = (file: string) => importOpenSocAiRows(JSON.parse(readFileSync(path.join(dataDir, file), 'utf8')), { displayName: file }).records;
const train = read('soc_train.json');
const evalRecords = read('soc_eval.json').slice(0, nRecords);
const file = await findInstalledModel('smollm2-135m-instruct', path.join(REPO, '.opensoc'));
if (!file) throw new Error('SmolLM2-135M-Instruct is not installed: run bash infra/install-model.sh');
await initBackend(backend);
const m = await loadModelDir(file);

interface Config { name: string; candidates: Candidates; prefixes: boolean }
const configs: Config[] = [
  { name: 'all candidates, no shared prefix (reference)', candidates: candidatesFrom(train), prefixes: false },
  { name: 'consistent candidates', candidates: candidatesFrom(train, { consistent: true }), prefixes: false },
  { name: 'consistent candidates + shared prefixes', candidates: candidatesFrom(train, { consistent: true }), prefixes: true },
];

// One warm-up record so the first configuration does not pay for kernel set-up.
classifyByScoring(m, evalRecords[0]!.log, configs[0]!.candidates, { maxSequenceLength: maxLen, scoring });

const results: { name: string; secondsPerRecord: number; predictions: string[] }[] = [];
for (const c of configs) {
  const t0 = performance.now();
  const prefixes = c.prefixes ? new SharedPrefixes(m) : undefined;
  const predictions = evalRecords.map((r) => JSON.stringify(classifyByScoring(m, r.log, c.candidates, { maxSequenceLength: maxLen, scoring, prefixes })));
  prefixes?.dispose();
  const secondsPerRecord = (performance.now() - t0) / 1000 / evalRecords.length;
  results.push({ name: c.name, secondsPerRecord, predictions });
  console.log(JSON.stringify({ bench: 'label-scoring', config: c.name, scoring, records: evalRecords.length, maxLen, secondsPerRecord: +secondsPerRecord.toFixed(3) }));
}
const ref = results[0]!;
const [consistent, shared] = [results[1]!, results[2]!];
const samePredictions = consistent.predictions.filter((p, i) => p === shared.predictions[i]).length;
console.log(JSON.stringify({
  bench: 'label-scoring', summary: true, scoring,
  speedupVsReference: Object.fromEntries(results.map((r) => [r.name, +(ref.secondsPerRecord / r.secondsPerRecord).toFixed(2)])),
  sharedPrefixesSpeedup: +(consistent.secondsPerRecord / shared.secondsPerRecord).toFixed(2),
  sharedPrefixesSamePredictions: `${samePredictions}/${evalRecords.length}`,
}));
m.model.dispose();
