export { startWorkers, workflowBundle, type QueueRole, type RunningWorkers, type WorkerDeps } from './worker.ts';
export { createOrchestrationActivities } from './activities/orchestration.ts';
export { createTrainingActivities, type TrainingOptions } from './activities/training.ts';
export { INSTRUCTION, trainingTarget, loadModelDir, localModelDir, classifyByScoring, predictRecords, ensureBackend, candidatesFrom, fitLog } from './model-service.ts';
export type { Candidates, LoadedModel } from './model-service.ts';
export { spawnTrainingWorker, type TrainingWorkerProcess } from './spawn.ts';

/** A fetched workflow history as the proto3 JSON that replay reads back. */
export async function historyJson(history: unknown): Promise<string> {
  const { historyToJSON } = await import('@temporalio/common/lib/proto-utils.js');
  return historyToJSON(history as never);
}

/** Replays a recorded workflow history (proto3 JSON) against today's workflow code (determinism checks). */
export async function replayHistory(historyJsonValue: unknown, workflowId: string): Promise<void> {
  const { Worker } = await import('@temporalio/worker');
  const { historyFromJSON } = await import('@temporalio/common/lib/proto-utils.js');
  const { workflowBundle } = await import('./worker.ts');
  await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, historyFromJSON(historyJsonValue), workflowId);
}
