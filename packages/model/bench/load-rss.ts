/**
 * Peak RSS while loading a TinyLlama-1.1B-shaped BF16 checkpoint (random weights) into the cpu backend.
 *   npx tsx packages/model/bench/load-rss.ts [--dir /tmp/tinyllama-bf16] [--keep]
 * The parent writes the checkpoint (sharded, one layer per shard, with the io writer) in a child process,
 * then loads it in another fresh child process that reports process.resourceUsage().maxRSS.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { arg, report } from './common.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const dir = arg('dir', '/tmp/opensoc-tinyllama-bf16');
const role = arg('role', 'parent');

async function write(): Promise<void> {
  const { parseLlamaConfig, toHfConfigJson, llamaTensorShapes } = await import('../src/io/config.ts');
  const { writeSafetensors } = await import('../src/io/safetensors.ts');
  const cfg = parseLlamaConfig(JSON.parse(readFileSync(path.join(here, '..', 'fixtures', 'tinyllama-1.1b-config.json'), 'utf8')));
  mkdirSync(dir, { recursive: true });
  const shapes = llamaTensorShapes(cfg);
  const groups = new Map<string, string[]>();
  for (const name of shapes.keys()) {
    const m = /^model\.layers\.(\d+)\./.exec(name);
    const g = m ? `layer${m[1]}` : name.startsWith('model.embed') ? 'embed' : 'head';
    groups.set(g, [...(groups.get(g) ?? []), name]);
  }
  const keys = [...groups.keys()];
  const weightMap: Record<string, string> = {};
  let seed = 12345;
  const rnd = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296 - 0.5) * 0.04;
  let total = 0;
  for (let i = 0; i < keys.length; i++) {
    const file = `model-${String(i + 1).padStart(5, '0')}-of-${String(keys.length).padStart(5, '0')}.safetensors`;
    const tensors = new Map<string, { dtype: 'BF16'; shape: number[]; data: Float32Array }>();
    for (const name of groups.get(keys[i])!) {
      const shape = shapes.get(name)!;
      const n = shape.reduce((a, b) => a * b, 1);
      const data = new Float32Array(n);
      if (name.endsWith('norm.weight')) data.fill(1);
      else for (let j = 0; j < n; j++) data[j] = rnd();
      tensors.set(name, { dtype: 'BF16', shape, data });
      weightMap[name] = file;
      total += n;
    }
    await writeSafetensors(path.join(dir, file), tensors);
  }
  writeFileSync(path.join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: { total_size: total * 2 }, weight_map: weightMap }));
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify(toHfConfigJson(cfg, { torchDtype: 'bfloat16' })));
  console.log(JSON.stringify({ params: total }));
}

async function load(): Promise<void> {
  const { initBackend } = await import('../src/backend.ts');
  const { loadBaseModel } = await import('../src/pretrained.ts');
  await initBackend('cpu');
  const rss0 = process.resourceUsage().maxRSS * 1024;
  const t = performance.now();
  const { model, config } = await loadBaseModel(dir, { tokenizerFallback: 'llama2' });
  const secs = (performance.now() - t) / 1000;
  const params = model.numParameters();
  const peak = process.resourceUsage().maxRSS * 1024;
  console.log(JSON.stringify({ params, secs, rssBeforeBytes: rss0, peakRssBytes: peak, layers: config.numHiddenLayers }));
  model.dispose();
}

function child(r: string): Record<string, number> {
  const res = spawnSync(process.execPath, ['--import', 'tsx', path.join(here, 'load-rss.ts'), '--role', r, '--dir', dir], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
    env: { ...process.env, NODE_OPTIONS: '--max-old-space-size=16384' },
  });
  if (res.status !== 0) throw new Error(`child ${r} failed: ${res.stderr.slice(-2000)}`);
  const line = res.stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop()!;
  return JSON.parse(line) as Record<string, number>;
}

if (role === 'write') await write();
else if (role === 'load') await load();
else {
  const t = performance.now();
  if (!existsSync(path.join(dir, 'model.safetensors.index.json'))) child('write');
  const writeSecs = (performance.now() - t) / 1000;
  const r = child('load');
  const f32Bytes = r.params * 4;
  report({
    bench: 'load-tinyllama-bf16',
    backend: 'cpu',
    params: r.params,
    writeSeconds: writeSecs,
    loadSeconds: r.secs,
    f32Bytes,
    peakRssBytes: r.peakRssBytes,
    peakRssOverF32: r.peakRssBytes / f32Bytes,
    goal: '<= 1.3',
  });
  if (!process.argv.includes('--keep')) rmSync(dir, { recursive: true, force: true });
}
