import { proxyActivities } from '@temporalio/workflow';
import type { PretrainInput, TrainingActivities } from './activity-types.ts';
import { trainingActivityOptions } from './options.ts';

/**
 * Full-parameter causal-LM pretraining of a small base model on the unlabelled log text of
 * one fold's training records. The activity caches by content (corpus hash + config + seed).
 */
export async function pretrainBaseWorkflow(input: PretrainInput, taskQueue: string, heartbeatTimeoutSeconds = 60): Promise<{ modelKey: string; cached: boolean }> {
  const training = proxyActivities<TrainingActivities>(trainingActivityOptions(taskQueue, heartbeatTimeoutSeconds));
  return training.pretrainBase(input);
}
