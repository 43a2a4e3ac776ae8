import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';

/**
 * infra/install-native.sh (CPU) and infra/install-gpu.sh (CUDA) build tfjs-node(-gpu) from PyPI wheels. The GPU
 * one cannot run a GPU here: these checks hold both to their pins and paths, and that a missing install never
 * fails `pnpm install` (its postinstall runs the link phase).
 */
const root = path.resolve(import.meta.dirname, '..');
const read = (p: string) => readFileSync(path.join(root, p), 'utf8');
const assignment = (src: string, name: string) => new RegExp(`^${name}=(.+)$`, 'm').exec(src)?.[1];

describe('native backend install scripts', () => {
  const model = JSON.parse(read('packages/model/package.json')) as { optionalDependencies: Record<string, string> };
  const scripts = { 'infra/install-native.sh': '@tensorflow/tfjs-node', 'infra/install-gpu.sh': '@tensorflow/tfjs-node-gpu' };

  it.each(Object.entries(scripts))('%s parses and pins the npm package, the wheel and its sha256', (file, pkg) => {
    const src = read(file);
    expect(spawnSync('bash', ['-n', path.join(root, file)]).status).toBe(0);
    expect(assignment(src, 'NPM_PKG')).toBe(pkg);
    expect(assignment(src, 'NPM_VERSION')).toBe(model.optionalDependencies[pkg]);
    const version = assignment(src, 'TF_WHEEL_VERSION')!;
    expect(version).toMatch(/^\d+\.\d+\.\d+$/);
    const wheelName = assignment(src, 'TF_WHEEL_NAME')!;
    expect(assignment(src, 'TF_WHEEL_FILE')).toBe(`${wheelName.replace('-', '_')}-${version}-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl`);
    expect(assignment(src, 'TF_WHEEL_SHA256')).toMatch(/^[0-9a-f]{64}$/);
    expect(src).toContain('. "$(dirname "$0")/native-backend.sh"');
  });

  it('the GPU script pins every nvidia-*-cu12 wheel of tensorflow[and-cuda] exactly', () => {
    const src = read('infra/install-gpu.sh');
    const list = /NVIDIA_WHEELS=\(([^)]*)\)/.exec(src)![1].trim().split(/\s+/);
    expect(list.length).toBe(12);
    for (const w of list) expect(w).toMatch(/^nvidia-[a-z-]+-cu12==[\d.]+$/);
    expect(list).toContain('nvidia-cudnn-cu12==9.3.0.75');
    expect(list).toContain('nvidia-cublas-cu12==12.5.3.2');
    expect(assignment(src, 'TF_WHEEL_NAME')).toBe('tensorflow'); // not -cpu: the CUDA-enabled build
  });

  it('places the libraries where the binding looks (deps/lib, deps/include) and keeps the notices beside them', () => {
    const lib = read('infra/native-backend.sh');
    const pkgJson = createRequire(path.join(root, 'packages/model/package.json')).resolve('@tensorflow/tfjs-node/package.json');
    expect(readFileSync(path.join(path.dirname(pkgJson), 'binding.gyp'), 'utf8')).toContain("'-Wl,-rpath,\\$$ORIGIN/../../deps/lib'");
    expect(lib).toContain('ln -sfn "$cache_dir/lib" "$pkg/deps/lib"');
    expect(lib).toContain('ln -sfn "$cache_dir/include" "$pkg/deps/include"');
    expect(lib).toContain('THIRD_PARTY_NOTICES.txt');
    expect(lib).toMatch(/ln -s libtensorflow_cc\.so\.2 libtensorflow\.so/);
    expect(lib).toContain('pip download');
    expect(lib).not.toMatch(/pip install/);
  });

  it('pnpm never runs tfjs-node(-gpu)\'s own download; install.sh and the postinstall run the script', () => {
    const ws = YAML.parse(read('pnpm-workspace.yaml')) as { allowBuilds: Record<string, boolean> };
    expect(ws.allowBuilds['@tensorflow/tfjs-node']).toBe(false);
    expect(ws.allowBuilds['@tensorflow/tfjs-node-gpu']).toBe(false);
    expect(read('infra/install.sh')).toContain('install-native.sh" all');
    expect((JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts.postinstall).toMatch(/install-native\.sh link \|\|/);
  });

  it('the link phase without a cache says what to run and succeeds (pnpm install must not fail)', () => {
    const cache = mkdtempSync(path.join(tmpdir(), 'opensoc-native-'));
    try {
      for (const [file, hint] of [['infra/install-native.sh', 'install-native.sh'], ['infra/install-gpu.sh', 'install-gpu.sh']]) {
        const r = spawnSync('bash', [path.join(root, file), 'link'], { encoding: 'utf8', env: { ...process.env, OPENSOC_NATIVE_CACHE: cache } });
        expect(r.status, r.stderr).toBe(0);
        expect(r.stdout).toMatch(new RegExp(`no cached TensorFlow libraries; run: bash infra/${hint.replace('.', '\\.')}|not in node_modules yet`));
      }
      expect(spawnSync('bash', [path.join(root, 'infra/install-native.sh'), 'bogus']).status).toBe(2);
    } finally {
      rmSync(cache, { recursive: true, force: true });
    }
  });
});
