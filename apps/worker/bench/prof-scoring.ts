import { readFileSync } from 'node:fs';
import { importOpenSocAiRows } from '@opensoc/datasets';
import { findInstalledModel, initBackend, IncrementalScorer, tf } from '@opensoc/model';
import { SharedPrefixes, candidatesFrom, classifyByScoring, formatterOf, loadModelDir, LineTokens, fitLog } from '../src/model-service.ts';
const rs = importOpenSocAiRows(JSON.parse(readFileSync('../shared/data/opensoc-ai/soc_train.json', 'utf8')), { displayName: 'x' }).records;
await initBackend('tensorflow');
const m = await loadModelDir((await findInstalledModel('smollm2-135m-instruct', '.opensoc'))!);
const f = formatterOf(m, 'opensoc-ai');
const c = candidatesFrom(rs, { consistent: true });
const prefixes = new SharedPrefixes(m);
const t0 = performance.now();
for (const r of rs.slice(0, 5)) classifyByScoring(m, r.log, c, { maxSequenceLength: 192, prefixes });
console.log('classify s/record', (performance.now() - t0) / 5000);
// prompt forward alone
const ids = f.promptIds(fitLog(f, rs[0]!.log, 112));
let t = performance.now();
for (let i = 0; i < 5; i++) { const s = prefixes.scorer(f.tokenizer, ids); s.dispose(); }
console.log('prompt forward s', (performance.now() - t) / 5000, 'tokens', ids.length);
t = performance.now();
for (let i = 0; i < 5; i++) { const s = new IncrementalScorer(m.model, f.tokenizer, ids); s.dispose(); }
console.log('prompt forward no prefix s', (performance.now() - t) / 5000);
const s = prefixes.scorer(f.tokenizer, ids);
const lt = new LineTokens(f.tokenizer);
const cats = ['benign','reconnaissance','brute-force','sql-injection','xss','path-traversal','command-injection','malware','privilege-escalation','lateral-movement','exfiltration','dos','phishing','persistence','credential-access','defense-evasion','discovery','execution','c2'].map((x) => lt.line(`THREAT_CATEGORY: ${x}`).slice(3));
t = performance.now();
for (let i = 0; i < 5; i++) s.score(cats);
console.log('score 19 categories s', (performance.now() - t) / 5000, 'cand tokens', cats.reduce((a, b) => a + b.length, 0));
t = performance.now();
for (let i = 0; i < 5; i++) s.append([cats[0]![0]!]);
console.log('append 1 token s', (performance.now() - t) / 5000);
console.log(tf.memory().numTensors);
