import * as tf from '@tensorflow/tfjs-core';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';

export type BackendName = 'wasm' | 'cpu' | 'tensorflow';
/** 'auto': the native TensorFlow backend when its binding loads, else wasm (with a notice saying why). */
export type BackendChoice = BackendName | 'auto';

export interface InitBackendOptions {
  /** For 'tensorflow'/'auto': load @tensorflow/tfjs-node-gpu (CUDA) instead of @tensorflow/tfjs-node. */
  gpu?: boolean;
  /** For 'wasm': fall back to 'cpu' if the wasm backend fails to initialise (default true). */
  fallbackToCpu?: boolean;
  /** Threads for TensorFlow's intra- and inter-op pools (default: every core). Fixed once TF is loaded. */
  threads?: number;
  /** Where the 'auto' fallback notice goes (default: one line on stderr). */
  notice?: (line: string) => void;
}

/** What computes, as recorded in every run's lineage and printed by `opensoc dev status`. */
export interface BackendInfo {
  /** The active tfjs backend: 'tensorflow', 'wasm' or 'cpu'. */
  backend: string;
  requested: BackendChoice;
  tfjsVersion: string;
  /** Native only: the npm package, TensorFlow's version, oneDNN and the pool sizes it was loaded with. */
  nativePackage: string | null;
  tensorflowVersion: string | null;
  onednn: boolean | null;
  threads: number | null;
  /** Why 'auto' did not get the native backend (null when it did, or when not asked for 'auto'). */
  fallbackReason: string | null;
}

export const INSTALL_HINT = 'bash infra/install-native.sh (CPU) or bash infra/install-gpu.sh (CUDA)';
const TFJS_VERSION = '4.22.0';

const isNode = typeof process !== 'undefined' && process.versions != null && process.versions.node != null;

let wasmRegistered = false;
let cpuRegistered = false;
/** Set once a native package loaded: its settings are fixed for the life of the process. */
let native: { pkg: string; tensorflowVersion: string; onednn: boolean; threads: number } | null = null;
let last: { requested: BackendChoice; fallbackReason: string | null } = { requested: 'auto', fallbackReason: null };

async function registerWasm(): Promise<void> {
  if (wasmRegistered) return;
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  if (isNode) {
    // In Node the .wasm binaries must be located on disk: resolve the package's dist directory.
    const require = createRequire(import.meta.url);
    const entry = require.resolve('@tensorflow/tfjs-backend-wasm');
    // entry is .../@tensorflow/tfjs-backend-wasm/dist/tf-backend-wasm.node.js: the .wasm files sit beside it.
    let dir = dirname(entry);
    if (!dir.endsWith('dist')) dir = join(dir.slice(0, dir.lastIndexOf('tfjs-backend-wasm') + 'tfjs-backend-wasm'.length), 'dist');
    wasm.setWasmPaths(dir + '/', false); // emscripten reads the file with fs in Node
  }
  wasmRegistered = true;
}

async function registerCpu(): Promise<void> {
  if (cpuRegistered) return;
  await import('@tensorflow/tfjs-backend-cpu');
  cpuRegistered = true;
}

/**
 * TensorFlow reads these when its library loads and its eager context is created, so they are set just
 * before the import: oneDNN on (off by default on CPUs without AVX-512; ~2.4x on wide matMuls here), quiet
 * logs, and both thread pools sized to the budget so two workers on one host do not oversubscribe it.
 * A value the user already exported wins.
 */
function prepareNativeEnv(threads: number): void {
  process.env.TF_ENABLE_ONEDNN_OPTS ??= '1';
  process.env.TF_CPP_MIN_LOG_LEVEL ??= '2';
  process.env.TF_NUM_INTRAOP_THREADS ??= String(threads);
  process.env.TF_NUM_INTEROP_THREADS ??= String(threads);
}

async function loadNative(gpu: boolean, threads: number): Promise<void> {
  const pkg = gpu ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node';
  if (!native) {
    prepareNativeEnv(threads);
    const mod = (await import(/* @vite-ignore */ pkg)) as { backend?: () => { binding?: { TF_Version?: string } } };
    if (!(await tf.setBackend('tensorflow'))) throw new Error('setBackend("tensorflow") returned false');
    const version = (tf.backend() as unknown as { binding?: { TF_Version?: string } }).binding?.TF_Version ?? mod.backend?.().binding?.TF_Version ?? 'unknown';
    const env = process.env;
    native = {
      pkg,
      tensorflowVersion: version,
      onednn: env.TF_ENABLE_ONEDNN_OPTS === '1' || env.TF_ENABLE_ONEDNN_OPTS?.toLowerCase() === 'true',
      threads: Number(env.TF_NUM_INTRAOP_THREADS),
    };
  } else if (native.pkg !== pkg) {
    throw new Error(`${native.pkg} is already loaded in this process; ${pkg} cannot be loaded beside it`);
  }
  if (!(await tf.setBackend('tensorflow'))) throw new Error('setBackend("tensorflow") returned false');
  await tf.ready();
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0];
}

/**
 * Select and initialise the compute backend; the one place the default is decided. 'auto' (the default):
 * native TensorFlow when its binding loads, otherwise wasm plus a one-line notice saying why and how to
 * install the native one. 'tensorflow' throws a clear error when the binding is absent. 'wasm' falls back to
 * 'cpu' if it cannot start. Returns the name of the backend actually active; `backendInfo()` has the details.
 */
export async function initBackend(name: BackendChoice = 'auto', opts: InitBackendOptions = {}): Promise<string> {
  const threads = opts.threads ?? availableParallelism();
  if (!Number.isInteger(threads) || threads < 1) throw new Error(`initBackend: threads must be a positive integer, got ${threads}`);
  let fallbackReason: string | null = null;
  if (name === 'tensorflow' || name === 'auto') {
    try {
      await loadNative(opts.gpu === true, threads);
      return record(name, null);
    } catch (e) {
      const pkg = opts.gpu ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node';
      if (name === 'tensorflow') {
        throw new Error(`Backend 'tensorflow' is unavailable: ${pkg} did not load (${firstLine(e)}). Install it with ${INSTALL_HINT}, or choose OPENSOC_TF_BACKEND=wasm|cpu.`);
      }
      fallbackReason = `${pkg} did not load: ${firstLine(e)}`;
      (opts.notice ?? ((l: string) => console.warn(l)))(`opensoc: computing on wasm (several times slower) because ${fallbackReason}; install the native backend with ${INSTALL_HINT}`);
    }
  }
  if (name !== 'cpu') {
    try {
      await registerWasm();
      if (!(await tf.setBackend('wasm'))) throw new Error('setBackend("wasm") returned false');
      await tf.ready();
      return record(name, fallbackReason);
    } catch (e) {
      if (opts.fallbackToCpu === false) throw e;
      // fall through to cpu
    }
  }
  await registerCpu();
  if (!(await tf.setBackend('cpu'))) throw new Error('could not initialise the cpu backend');
  await tf.ready();
  return record(name, fallbackReason);
}

function record(requested: BackendChoice, fallbackReason: string | null): string {
  last = { requested, fallbackReason };
  return tf.getBackend();
}

/** The active backend's details (native settings are those TensorFlow was loaded with). */
export function backendInfo(): BackendInfo {
  const backend = tf.getBackend();
  if (!backend) throw new Error('backendInfo: call initBackend() first');
  const n = backend === 'tensorflow' ? native : null;
  return {
    backend,
    requested: last.requested,
    tfjsVersion: TFJS_VERSION,
    nativePackage: n?.pkg ?? null,
    tensorflowVersion: n?.tensorflowVersion ?? null,
    onednn: n?.onednn ?? null,
    threads: n ? n.threads : 1,
    fallbackReason: n ? null : last.fallbackReason,
  };
}

/** One line for humans: `tensorflow (TF 2.18.1, oneDNN on, 2 threads)` or `wasm (1 thread)`. */
export function describeBackend(i: BackendInfo = backendInfo()): string {
  if (i.backend === 'tensorflow') return `tensorflow (${i.nativePackage} on TF ${i.tensorflowVersion}, oneDNN ${i.onednn ? 'on' : 'off'}, ${i.threads} threads)`;
  return `${i.backend} (1 thread${i.fallbackReason ? `; native unavailable: ${i.fallbackReason}` : ''})`;
}

/**
 * The backends this process can run (cpu and wasm always; tensorflow when its binding loads), for tests that
 * must hold on each. Switching between them is cheap once each has initialised.
 */
export async function availableBackends(): Promise<BackendName[]> {
  const before = tf.getBackend();
  const out: BackendName[] = ['cpu', 'wasm'];
  try {
    await initBackend('tensorflow');
    out.push('tensorflow');
  } catch {
    // not installed here
  }
  if (before) await tf.setBackend(before);
  return out;
}

export { tf };
