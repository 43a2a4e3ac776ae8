import type { Client, WorkflowHandle } from '@temporalio/client';
import { TASK_QUEUES, WORKFLOW_NAMES } from '@opensoc/contracts';

export interface ReproductionVerdict { reproduced: boolean; original: number; rerun: number; difference: number }

/**
 * Starts the reproduction of a leaderboard entry (the CLI's `reproduce` and the API's write
 * route both come here): workflow name, queues and id format are defined once.
 */
export async function startReproduction(client: Client, entryId: string, tolerance: number, opts: { trainingQueue?: string } = {}): Promise<{ reproductionId: string; handle: WorkflowHandle }> {
  const reproductionId = `${entryId}-${Date.now().toString(36)}`;
  const handle = await client.workflow.start(WORKFLOW_NAMES.reproduce, {
    taskQueue: TASK_QUEUES.orchestration,
    workflowId: `reproduce/${reproductionId}`,
    args: [{ reproductionId, entryId, tolerance, taskQueue: opts.trainingQueue ?? TASK_QUEUES.trainCpu }],
  });
  return { reproductionId, handle };
}
