import { executeChild, proxyActivities } from '@temporalio/workflow';
import type { OrchestrationActivities } from './activity-types.ts';
import { orchestrationActivityOptions } from './options.ts';
import { trainEvalWorkflow } from './train-eval.ts';

const orchestration = proxyActivities<OrchestrationActivities>(orchestrationActivityOptions);

/**
 * Re-runs a leaderboard entry from its recorded lineage (dataset hash, split manifest,
 * config, seed, base model) under a fresh run id, then records the verdict on the entry.
 */
export async function reproduceWorkflow(input: { reproductionId: string; entryId: string; tolerance: number; taskQueue: string }) {
  const plan = await orchestration.planReproduction(input);
  for (const unit of plan.units) {
    await executeChild(trainEvalWorkflow, { workflowId: unit.unitId, args: [plan.context, unit, input.taskQueue, plan.spec.heartbeatTimeoutSeconds] });
  }
  return orchestration.judgeReproduction({ plan, tolerance: input.tolerance });
}
