/** Task queues, signal and query names: defined once here, used by workflows, workers, CLI and API. */
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

export const SIGNALS = { cancelSweep: 'cancelSweep' } as const;
export const QUERIES = { progress: 'progress' } as const;
