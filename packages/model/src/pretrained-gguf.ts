import { LlamaForCausalLM } from './llama.ts';
import type { LlamaConfig } from './io/config.ts';
import { metaString, openGguf } from './io/gguf.ts';
import type { GgufFile } from './io/gguf.ts';
import { iterateGgufLlamaWeights, llamaConfigFromGguf } from './io/gguf-llama.ts';
import { ggufTokenizer } from './io/gguf-tokenizer.ts';
import type { Tokenizer } from './io/tokenizer.ts';
import type { LoadedBaseModel } from './pretrained.ts';

export interface LoadedGgufModel extends LoadedBaseModel {
  /** The model's Jinja chat template (tokenizer.chat_template), if any. */
  chatTemplate: string | null;
  /** general.name etc., for lineage and display. */
  description: string;
  /** tokenizer.ggml.add_bos_token (false for SmolLM2: its prompts start with the chat template). */
  addBos: boolean;
}

/** Config and tokenizer of a GGUF model, without its weights (cheap: header only). */
export async function inspectGgufModel(filePath: string): Promise<{ config: LlamaConfig; tokenizer: Tokenizer; chatTemplate: string | null; file: GgufFile }> {
  const file = await openGguf(filePath);
  try {
    const config = llamaConfigFromGguf(file);
    const tokenizer = ggufTokenizer(file);
    const chatTemplate = metaString(file, 'tokenizer.chat_template', true) ?? null;
    // The tokenizer holds its own vocabulary now; the metadata's copies would only add to peak memory.
    file.dropMetadata(['tokenizer.ggml.tokens', 'tokenizer.ggml.merges', 'tokenizer.ggml.token_type', 'tokenizer.ggml.scores']);
    return { config, tokenizer, chatTemplate, file };
  } catch (e) {
    await file.close();
    throw e;
  }
}

/**
 * Load a llama GGUF file: config from `llama.*` metadata, tokenizer rebuilt from `tokenizer.ggml.*`,
 * weights dequantized to f32 one tensor at a time (peak memory: the model plus one tensor).
 */
export async function loadGgufBaseModel(filePath: string): Promise<LoadedGgufModel> {
  const { config, tokenizer, chatTemplate, file } = await inspectGgufModel(filePath);
  try {
    if (tokenizer.vocabSize > config.vocabSize) {
      throw new Error(`${filePath}: tokenizer has ${tokenizer.vocabSize} ids but the model only ${config.vocabSize}`);
    }
    const model = await LlamaForCausalLM.fromHFWeights(config, iterateGgufLlamaWeights(file, config, { reuseLinearBuffers: true }));
    const name = file.metadata.get('general.name');
    const addBos = file.metadata.get('tokenizer.ggml.add_bos_token');
    return { model, tokenizer, config, chatTemplate, description: typeof name === 'string' ? name : filePath, addBos: addBos === true };
  } finally {
    await file.close();
  }
}

