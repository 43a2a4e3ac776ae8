/** Task queues, workflow and query names: defined once here, used by workflows, workers, CLI and API. */
export const TASK_QUEUES = {
  orchestration: 'opensoc-orchestration',
  trainCpu: 'train-cpu',
  trainGpu: 'train-gpu',
} as const;

export const WORKFLOW_NAMES = {
  sweep: 'sweepWorkflow',
  trainEval: 'trainEvalWorkflow',
  pretrainBase: 'pretrainBaseWorkflow',
  reproduce: 'reproduceWorkflow',
} as const;

// No signals: a sweep is cancelled by Temporal's own workflow cancellation, which reaches the
// training activities so they checkpoint before stopping (see workflows/src/sweep.ts).
export const QUERIES = { progress: 'progress' } as const;
