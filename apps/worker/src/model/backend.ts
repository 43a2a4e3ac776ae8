import { initBackend, type BackendName } from '@opensoc/model';

let backendReady: Promise<string> | undefined;

/** The tfjs backend, initialised once per process (OPENSOC_TF_BACKEND, default wasm). */
export function ensureBackend(name: BackendName = (process.env.OPENSOC_TF_BACKEND as BackendName) || 'wasm'): Promise<string> {
  backendReady ??= initBackend(name);
  return backendReady;
}
