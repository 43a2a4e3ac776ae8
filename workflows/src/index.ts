// Temporal workflow entry points: the worker bundles this file.
export { sweepWorkflow, progressQuery } from './sweep.ts';
export type { SweepInput, SweepProgress, SweepCarry, SweepTiming } from './sweep.ts';
export { trainEvalWorkflow } from './train-eval.ts';
export { pretrainBaseWorkflow } from './pretrain.ts';
export { reproduceWorkflow } from './reproduce.ts';
export type * from './activity-types.ts';
