/**
 * `pnpm bench model-train`: LoRA training throughput of every available backend next to PyTorch+PEFT, in one
 * run, same shape, same thread count; each measurement in a fresh process (so peak RSS is its own).
 *   pnpm bench model-train [--shapes small,smol135m] [--threads 1,2] [--backends tensorflow,wasm] [--steps 2]
 * cpu is left out unless named (~0.3 GFLOP/s); PyTorch runs from $OPENSOC_BENCH_PYTHON (default python3) and
 * is reported as missing when torch/peft are not installed there.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { availableBackends } from '../src/backend.ts';
import { arg } from './common.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const shapes = arg('shapes', 'small,smol135m').split(',');
const threadCounts = arg('threads', '1,2').split(',').map(Number);
const have = await availableBackends();
const backends = arg('backends', have.filter((b) => b !== 'cpu').join(',')).split(',');
const steps = arg('steps', '2');
const python = process.env.OPENSOC_BENCH_PYTHON ?? 'python3';

interface Row { shape: string; threads: number; who: string; tokensPerSecond?: number; examplesPerSecond?: number; gflopsPerSecond?: number; gflopsPerCpuSecond?: number; peakRssBytes?: number; error?: string }

function runChild(cmd: string, args: string[]): Record<string, unknown> | { error: string } {
  // This process loaded TensorFlow (availableBackends) and so exported its pool sizes: children get --threads.
  const env: Record<string, string | undefined> = { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' };
  delete env.TF_NUM_INTRAOP_THREADS;
  delete env.TF_NUM_INTEROP_THREADS;
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 24, env });
  const line = r.stdout.split('\n').reverse().find((l) => l.startsWith('{'));
  if (r.status === 0 && line) return JSON.parse(line) as Record<string, unknown>;
  const why = `${r.stderr ?? ''}${r.stdout ?? ''}`.trim().split('\n').filter(Boolean).slice(-1)[0] ?? `exit ${r.status ?? r.signal}`;
  return { error: why.slice(0, 160) };
}

const rows: Row[] = [];
for (const shape of shapes) {
  for (const threads of threadCounts) {
    for (const b of backends) {
      if (!have.includes(b as never)) { rows.push({ shape, threads, who: b, error: 'not available here' }); continue; }
      if (b !== 'tensorflow' && threads !== threadCounts[0]) continue; // wasm and cpu are single-threaded in Node
      const out = runChild('npx', ['tsx', path.join(here, 'train-throughput.ts'), '--shape', shape, '--backend', b, '--threads', String(threads), '--steps', steps]);
      rows.push({ shape, threads: b === 'tensorflow' ? threads : 1, who: b, ...(out as object) });
      console.error(JSON.stringify(rows[rows.length - 1]));
    }
    const t = runChild(python, [path.join(here, 'torch_peft_bench.py'), '--shape', shape, '--threads', String(threads), '--steps', steps]);
    if ('error' in t && /No module named/.test(String(t.error))) rows.push({ shape, threads, who: 'torch+peft', error: `not installed for ${python}: ${t.error}` });
    else rows.push({ shape, threads, who: 'torch+peft', ...(t as object) });
    console.error(JSON.stringify(rows[rows.length - 1]));
  }
}

const f = (x: number | undefined, d = 1) => (x === undefined ? '-' : x.toFixed(d));
console.log('| shape | threads | backend | tokens/s | examples/s | GFLOP/s | GFLOP/CPU-s | peak RSS GB | vs torch (examples/s) | RSS vs torch |');
console.log('|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  const torch = rows.find((x) => x.shape === r.shape && x.threads === r.threads && x.who === 'torch+peft' && !x.error);
  const ratio = torch && r.examplesPerSecond && r.who !== 'torch+peft' ? `${(r.examplesPerSecond / torch.examplesPerSecond!).toFixed(2)}x` : '-';
  const rss = torch && r.peakRssBytes && r.who !== 'torch+peft' ? `${(r.peakRssBytes / torch.peakRssBytes!).toFixed(2)}x` : '-';
  if (r.error) console.log(`| ${r.shape} | ${r.threads} | ${r.who} | ${r.error} | | | | | | |`);
  else console.log(`| ${r.shape} | ${r.threads} | ${r.who} | ${f(r.tokensPerSecond)} | ${f(r.examplesPerSecond, 3)} | ${f(r.gflopsPerSecond)} | ${f(r.gflopsPerCpuSecond)} | ${f(r.peakRssBytes && r.peakRssBytes / 1e9, 2)} | ${ratio} | ${rss} |`);
}
