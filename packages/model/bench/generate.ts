/**
 * Generation tokens/s with and without the KV cache, and label-scoring records/s, on the benchmark model
 * (hidden 256, 4 layers, vocab 32000) with the Llama-2 tokenizer.
 *   npx tsx packages/model/bench/generate.ts --backend wasm
 */
import { readFileSync, existsSync } from 'node:fs';
import { initBackend } from '../src/backend.ts';
import { LlamaForCausalLM } from '../src/llama.ts';
import { generate, scoreLabelSets, scoreLabels } from '../src/generate.ts';
import { formatPrompt } from '../src/data.ts';
import { llama2Tokenizer } from '../src/io/tokenizer.ts';
import { BENCH_CONFIG, arg, report } from './common.ts';

const backend = arg('backend', 'wasm') as 'wasm' | 'cpu';
const newTokens = Number(arg('new', '32'));
const records = Number(arg('records', '10'));
const active = await initBackend(backend);
const tok = llama2Tokenizer();
const model = LlamaForCausalLM.random(BENCH_CONFIG, { seed: 0 });

const dataFile = '/work/shared/data/opensoc-ai/soc_eval.json';
const logs: { instruction: string; input: string }[] = existsSync(dataFile)
  ? (JSON.parse(readFileSync(dataFile, 'utf8')) as { instruction: string; input: string }[])
  : Array.from({ length: 20 }, (_, i) => ({ instruction: 'Analyze this security log.', input: `192.168.1.${i} - - "GET /admin.php?id=1' OR '1'='1 HTTP/1.1" 200` }));
const prompts = logs.slice(0, records).map((l) => formatPrompt(l.instruction, l.input));
const promptTokens = prompts.map((p) => tok.encode(p, { addBos: true }).length);

async function genRate(useCache: boolean, batchSize: number, n: number): Promise<number> {
  const ps = prompts.slice(0, n);
  const t = performance.now();
  const res = await generate(model, tok, ps, { maxNewTokens: newTokens, useCache, batchSize, stopSequences: [], stopAtEos: false });
  const secs = (performance.now() - t) / 1000;
  return res.reduce((a, r) => a + r.tokenIds.length, 0) / secs;
}

await genRate(true, 1, 1); // warm-up
const cached1 = await genRate(true, 1, 2);
const uncached1 = await genRate(false, 1, 2);
const cached4 = await genRate(true, 4, 4);

const severities = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];
const threatTypes = ['SQL Injection', 'Cross-Site Scripting', 'Brute Force', 'Path Traversal', 'Command Injection', 'Port Scan', 'Malware', 'Privilege Escalation', 'Credential Dumping', 'Benign'];
let t = performance.now();
for (const p of prompts) scoreLabels(model, tok, p, severities.map((s) => `SEVERITY: ${s}`));
const sevRate = prompts.length / ((performance.now() - t) / 1000);
t = performance.now();
for (const p of prompts) scoreLabels(model, tok, p, threatTypes.map((s) => `THREAT_TYPE: ${s}`));
const threatRate = prompts.length / ((performance.now() - t) / 1000);
t = performance.now();
for (const p of prompts)
  scoreLabelSets(model, tok, p, { severity: severities.map((s) => `SEVERITY: ${s}`), threat: threatTypes.map((s) => `THREAT_TYPE: ${s}`) });
const bothRate = prompts.length / ((performance.now() - t) / 1000);

report({
  bench: 'generation-and-scoring',
  backend: active,
  meanPromptTokens: promptTokens.reduce((a, b) => a + b, 0) / promptTokens.length,
  newTokens,
  generationTokensPerSecond: { kvCacheBatch1: cached1, noCacheBatch1: uncached1, kvCacheBatch4: cached4 },
  kvCacheSpeedup: cached1 / uncached1,
  labelScoringRecordsPerSecond: { severity4Candidates: sevRate, threatType10Candidates: threatRate, bothSetsOnePrefill: bothRate },
});
model.dispose();
