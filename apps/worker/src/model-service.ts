/**
 * The worker's model layer, one job per module under ./model/: the tfjs backend memo, prompt
 * formats, the S3 base-model cache, label scoring and batched generation. This file keeps the
 * import surface the activities and the CLI use.
 */
export { ensureBackend } from './model/backend.ts';
export { INSTRUCTION, trainingTarget, fitLog, promptFormatter, trainingExample, displayPrompt, type PromptFormatter } from './model/prompt-format.ts';
export { GGUF_KEY_PREFIX, loadModelDir, localModelDir, modelKeySha256, publishBaseModel, type LoadedModel } from './model/model-cache.ts';
export { ANSWER_ROOM, CONTENT_FREE_LOG, LABEL_SCORINGS, LineTokens, SharedPrefixes, candidatesFrom, classifyByScoring, formatterOf, type Candidates, type LabelScoring } from './model/label-scoring.ts';
export { MAX_NEW_TOKENS, predictRecords, type PredictOptions } from './model/generation.ts';
