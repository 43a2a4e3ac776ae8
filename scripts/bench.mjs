#!/usr/bin/env node
// `pnpm bench <name> [args]`: speed and memory benchmarks (never part of the test suite).
import { spawnSync } from 'node:child_process';

const benches = {
  orchestration: ['tsx', 'apps/worker/bench/orchestration.ts'],
  'model-train': ['tsx', 'packages/model/bench/model-train.ts'],
  'model-train-one': ['tsx', 'packages/model/bench/train-throughput.ts'],
  'model-generate': ['tsx', 'packages/model/bench/generate.ts'],
  'model-load': ['tsx', 'packages/model/bench/load-rss.ts'],
  'model-leak': ['tsx', 'packages/model/bench/leak.ts'],
  'model-gguf-load': ['tsx', 'packages/model/bench/gguf-load.ts'],
  'smollm2-lora': ['tsx', 'apps/worker/bench/smollm2-lora.ts'],
  'lora-levers': ['tsx', 'apps/worker/bench/lora-levers.ts'],
  'label-scoring': ['tsx', 'apps/worker/bench/label-scoring.ts'],
  'torch-peft': ['python3', 'packages/model/bench/torch_peft_bench.py'],
  api: ['tsx', 'apps/api/bench/leaderboard.ts'],
  'dataset-list': ['tsx', 'apps/cli/bench/dataset-list.ts'],
  tfidf: ['tsx', 'packages/eval/bench/tfidf.ts'],
  classify: ['tsx', 'apps/cli/bench/classify.ts'],
  'log-rendering': ['tsx', 'apps/cli/bench/log-rendering.ts'],
};
const [name, ...args] = process.argv.slice(2);
if (!name || !benches[name]) {
  console.error(`usage: pnpm bench <${Object.keys(benches).join('|')}> [args]`);
  process.exit(2);
}
const [cmd, ...rest] = benches[name];
const r = spawnSync(cmd === 'tsx' ? 'npx' : cmd, cmd === 'tsx' ? ['tsx', ...rest, ...args] : [...rest, ...args], { stdio: 'inherit' });
process.exit(r.status ?? 1);
