export { INSTALL_HINT, availableBackends, backendInfo, describeBackend, initBackend, tf } from './backend.ts';
export type { BackendChoice, BackendInfo, BackendName, InitBackendOptions } from './backend.ts';
export { Rng, mixSeed } from './rng.ts';
export type { RngState } from './rng.ts';
export { LORA_TARGETS, smallLlamaConfig } from './model-types.ts';
export type { LoraTarget } from './model-types.ts';
export { LlamaForCausalLM, KVCache, transposeF32 } from './llama.ts';
export type { ForwardInput, HFWeight, LayerWeights, LoraModule as LoraLayer, LoraSettings, ModelWeights } from './llama.ts';
export {
  attachLora,
  countLoraTrainableParams,
  detachLora,
  loraFromPeftTensors,
  loraScale,
  loraToPeftTensors,
  loraLayers,
  topLayers,
  mergeLora,
  moduleShape,
  peftAdapterConfig,
  peftKey,
  unmergeLora,
} from './lora.ts';
export type { LoraOptions, PeftTensor } from './lora.ts';
export { DEFAULT_STOP_SEQUENCES, collate, encodeExample, encodePromptContinuation, epochBatches, formatPrompt } from './data.ts';
export type { Batch, EncodedExample, InstructionExample, TextExample, TokenizedExample, TrainExample } from './data.ts';
export { AdamW, clipByGlobalNorm, cosineWithWarmup } from './optim.ts';
export { Trainer, joinCheckpoint, splitCheckpoint, train } from './train.ts';
export type { StepLog, TrainCheckpoint, TrainOptions } from './train.ts';
export { IncrementalScorer, generate, generateResponse, scoreContinuationIds, scoreLabelSets, scoreLabels, scoreLabelsBatch } from './generate.ts';
export type { GenerateOptions, GenerateResult, LabelScores, ScoreOptions } from './generate.ts';
export * from './io/index.ts';
export { loadBaseModel, saveBaseModel, saveLoraAdapter, loadLoraAdapter } from './pretrained.ts';
export type { LoadedBaseModel } from './pretrained.ts';
export { inspectGgufModel, loadGgufBaseModel } from './pretrained-gguf.ts';
export type { LoadedGgufModel } from './pretrained-gguf.ts';
