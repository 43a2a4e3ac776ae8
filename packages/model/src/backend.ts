import * as tf from '@tensorflow/tfjs-core';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export type BackendName = 'wasm' | 'cpu' | 'tensorflow';

export interface InitBackendOptions {
  /** For 'tensorflow': prefer @tensorflow/tfjs-node-gpu when installed. */
  gpu?: boolean;
  /** For 'wasm': fall back to 'cpu' if the wasm backend fails to initialise (default true). */
  fallbackToCpu?: boolean;
}

const isNode = typeof process !== 'undefined' && process.versions != null && process.versions.node != null;

let wasmRegistered = false;
let cpuRegistered = false;

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
 * Select and initialise a tfjs backend. 'wasm' is the default; it falls back to 'cpu' if it cannot start.
 * 'tensorflow' loads @tensorflow/tfjs-node (or -gpu) dynamically and throws a clear error when absent.
 * Returns the name of the backend actually active.
 */
export async function initBackend(name: BackendName = 'wasm', opts: InitBackendOptions = {}): Promise<string> {
  if (name === 'tensorflow') {
    const candidates = opts.gpu ? ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] : ['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu'];
    const errors: string[] = [];
    for (const pkg of candidates) {
      try {
        await import(/* @vite-ignore */ pkg);
        if (!(await tf.setBackend('tensorflow'))) throw new Error('setBackend("tensorflow") returned false');
        await tf.ready();
        return tf.getBackend();
      } catch (e) {
        errors.push(`${pkg}: ${(e as Error).message.split('\n')[0]}`);
      }
    }
    throw new Error(
      `Backend 'tensorflow' is unavailable: install @tensorflow/tfjs-node (CPU) or @tensorflow/tfjs-node-gpu (CUDA) with its native binary ` +
        `(npm rebuild @tensorflow/tfjs-node), or use initBackend('wasm'|'cpu'). Details: ${errors.join('; ')}`,
    );
  }
  if (name === 'wasm') {
    try {
      await registerWasm();
      if (!(await tf.setBackend('wasm'))) throw new Error('setBackend("wasm") returned false');
      await tf.ready();
      return tf.getBackend();
    } catch (e) {
      if (opts.fallbackToCpu === false) throw e;
      // fall through to cpu
    }
  }
  await registerCpu();
  if (!(await tf.setBackend('cpu'))) throw new Error('could not initialise the cpu backend');
  await tf.ready();
  return tf.getBackend();
}

export { tf };
