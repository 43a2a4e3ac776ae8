export { startWorkers, workflowBundle, type QueueRole, type RunningWorkers, type WorkerDeps } from './worker.ts';
export { createOrchestrationActivities } from './activities/orchestration.ts';
export { createTrainingActivities, type TrainingOptions } from './activities/training.ts';
export { INSTRUCTION, trainingTarget, loadModelDir, localModelDir, classifyByScoring, predictRecords, ensureBackend, candidatesFrom } from './model-service.ts';
export { spawnTrainingWorker, type TrainingWorkerProcess } from './spawn.ts';
