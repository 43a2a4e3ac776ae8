import { currentConfig } from '@opensoc/config';
import { initBackend } from '@opensoc/model';

let backendReady: Promise<string> | undefined;

/**
 * Initialises the compute backend once per process: OPENSOC_TF_BACKEND (default auto: native TensorFlow when
 * installed, else wasm) with OPENSOC_THREADS threads; `gpu` (the train-gpu queue) loads tfjs-node-gpu.
 */
export function ensureBackend(opts: { gpu?: boolean } = {}): Promise<string> {
  const { compute } = currentConfig();
  backendReady ??= initBackend(opts.gpu && compute.backend === 'auto' ? 'tensorflow' : compute.backend, { gpu: opts.gpu, threads: compute.threads });
  return backendReady;
}
