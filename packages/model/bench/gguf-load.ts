/**
 * Load time and peak RSS of loading the default base model (SmolLM2-135M-Instruct GGUF) in a fresh
 * child process, against its f32 size.
 *   pnpm bench model-gguf-load [--backend cpu|wasm|tensorflow] [--file PATH]
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { arg, report } from './common.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const role = arg('role', 'parent');
const backend = arg('backend', 'cpu');

async function load(file: string): Promise<void> {
  const { initBackend } = await import('../src/backend.ts');
  const { loadGgufBaseModel } = await import('../src/pretrained-gguf.ts');
  await initBackend(backend as 'cpu');
  const rss0 = process.resourceUsage().maxRSS * 1024;
  const t = performance.now();
  const { model } = await loadGgufBaseModel(file);
  const secs = (performance.now() - t) / 1000;
  const peak = process.resourceUsage().maxRSS * 1024;
  console.log(JSON.stringify({ params: model.numParameters(), secs, rssBeforeBytes: rss0, peakRssBytes: peak }));
  model.dispose();
}

if (role === 'load') await load(arg('file', ''));
else {
  const { findInstalledModel } = await import('../src/io/model-catalog.ts');
  const file = arg('file', '') || (await findInstalledModel('smollm2-135m-instruct', path.resolve(here, '../../../.opensoc')));
  if (!file) throw new Error('SmolLM2-135M-Instruct is not installed: run bash infra/install-model.sh');
  const res = spawnSync(process.execPath, ['--import', 'tsx', path.join(here, 'gguf-load.ts'), '--role', 'load', '--file', file, '--backend', backend], { encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`load failed: ${res.stderr.slice(-3000)}`);
  const r = JSON.parse(res.stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop()!) as Record<string, number>;
  report({
    bench: 'load-smollm2-135m-gguf',
    backend,
    params: r.params,
    loadSeconds: r.secs,
    f32Bytes: r.params * 4,
    rssBeforeBytes: r.rssBeforeBytes,
    peakRssBytes: r.peakRssBytes,
    peakRssOverF32: r.peakRssBytes / (r.params * 4),
    goal: '<= 1.3',
  });
}
