import { proxyActivities } from '@temporalio/workflow';
import type { SweepContext, Unit } from '@opensoc/contracts';
import type { OrchestrationActivities, TrainingActivities, UnitSummary } from './activity-types.ts';
import { orchestrationActivityOptions, trainingActivityOptions } from './options.ts';

const orchestration = proxyActivities<OrchestrationActivities>(orchestrationActivityOptions);

/**
 * One (config, fold, seed) unit: train on the training queue, evaluate there too (the
 * model is loaded there), then record metrics. Every step is idempotent, so re-running a
 * unit with the same id reuses the stored adapter and overwrites the same rows.
 */
export async function trainEvalWorkflow(ctx: SweepContext, unit: Unit, taskQueue: string, heartbeatTimeoutSeconds = 60): Promise<UnitSummary> {
  const training = proxyActivities<TrainingActivities>(trainingActivityOptions(taskQueue, heartbeatTimeoutSeconds));
  if (unit.kind === 'lora') {
    const trained = await training.trainLora(ctx, unit);
    const outputs = await training.evaluateUnit(ctx, unit, trained.adapterKey);
    return orchestration.recordUnitResult(ctx, unit, { ...outputs, adapterKey: trained.adapterKey, lossCurve: trained.lossCurve });
  }
  // Fitting a baseline is one synchronous computation with no heartbeat in between: allow it longer.
  const baselines = proxyActivities<TrainingActivities>({ ...trainingActivityOptions(taskQueue), heartbeatTimeout: '15 minutes' });
  const outputs = await baselines.runBaseline(ctx, unit);
  return orchestration.recordUnitResult(ctx, unit, outputs);
}
