import { ApplicationFailure } from '@temporalio/activity';
import { evaluatedDataset, expandUnits, scheduleOrder, TASKS, type SweepContext, type Unit } from '@opensoc/contracts';
import {
  getLeaderboardEntry, getRun, getSweep, listPredictionSets, listRuns, setReproductionStatus, setRunStatus, updateSweep, upsertReproduction, upsertSweep,
  type Db,
} from '@opensoc/db';
import {
  aggregateSweep, CV_EVAL_SET, InvalidInputError, loadDatasetRecords, metricsFor, NotFoundError, prepareDesign, readPredictions, recordUnit, resolveDataset, specHash,
} from '@opensoc/platform';
import type { ArtifactStore } from '@opensoc/storage';
import type { OrchestrationActivities, ReproductionPlan } from '@opensoc/workflows';
import { publishBaseModel } from '../model-service.ts';

export interface OrchestrationDeps { db: Db; store: ArtifactStore }

/** Turns our typed errors into Temporal failures of the same type name, so retry policies can tell them apart. */
async function typed<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof InvalidInputError || e instanceof NotFoundError) throw ApplicationFailure.nonRetryable(e.message, e.name);
    throw e;
  }
}

export function createOrchestrationActivities({ db, store }: OrchestrationDeps): OrchestrationActivities {
  return {
    prepareSweep: ({ sweepId, workflowId, spec, codeCommit }) => typed(async () => {
      const { dataset, testDataset, split } = await prepareDesign({ db, store }, spec);
      const foldCount = split.manifest.folds.length;
      // Catalog / GGUF models go to S3 once (content-addressed); the key carries their sha256 into the lineage.
      const published = await publishBaseModel(store, spec.baseModel).catch((e: Error) => { throw new InvalidInputError(e.message); });
      const baseModelKeys = published ? Array(foldCount).fill(published)
        : spec.baseModel.kind === 'checkpoint' ? Array(foldCount).fill(`file:${spec.baseModel.path}`)
        : spec.baseModel.kind === 's3' ? Array(foldCount).fill(`s3:${spec.baseModel.prefix}`) : [];
      const context: SweepContext = {
        sweepId, dataset: { name: dataset.name, hash: dataset.hash }, splitHash: split.hash, splitKind: split.manifest.spec.kind, foldCount, baseModelKeys, codeCommit,
        ...(testDataset ? { testDataset: { name: testDataset.name, hash: testDataset.hash } } : {}),
      };
      const units: Unit[] = scheduleOrder(expandUnits(spec, sweepId, foldCount));
      await upsertSweep(db, {
        id: sweepId, name: spec.name, spec, specHash: specHash(spec), datasetName: dataset.name, datasetHash: dataset.hash, status: 'running',
        totalUnits: units.length, doneUnits: 0, workflowId, context,
      });
      await updateSweep(db, sweepId, { status: 'running', totalUnits: units.length, context });
      return { context, units };
    }),

    setBaseModels: async ({ sweepId, baseModelKeys }) => {
      const sweep = await getSweep(db, sweepId);
      await updateSweep(db, sweepId, { context: { ...(sweep?.context as SweepContext), baseModelKeys } });
    },

    recordUnitResult: (ctx, unit, outputs) => typed(async () => {
      const accuracy = await recordUnit({ db, store }, {
        ctx, unit: { ...unit, config: unit.kind === 'lora' ? unit.config : undefined, baseline: unit.kind === 'baseline' ? unit.baseline : undefined },
        predictions: outputs.predictions, adapterKey: outputs.adapterKey, lossCurve: outputs.lossCurve,
      });
      return { unitId: unit.unitId, runId: unit.runId, label: unit.label, kind: unit.kind, accuracy };
    }),

    updateSweepProgress: async ({ sweepId, done, total }) => {
      await updateSweep(db, sweepId, { doneUnits: done, totalUnits: total });
    },

    aggregateSweep: (ctx, opts) => typed(() => aggregateSweep({ db, store }, ctx, opts)),

    finishSweep: async ({ sweepId, status, error }) => {
      await updateSweep(db, sweepId, { status, error: error ?? null });
      for (const run of await listRuns(db, sweepId)) await setRunStatus(db, run.id, status === 'completed' ? 'completed' : status);
    },

    planReproduction: ({ reproductionId, entryId, tolerance }) => typed(async () => {
      const entry = await getLeaderboardEntry(db, entryId);
      if (!entry) throw new NotFoundError(`leaderboard entry ${entryId} not found`);
      const run = await getRun(db, entry.runId);
      const sweep = run && (await getSweep(db, run.sweepId));
      if (!run || !sweep?.context) throw new NotFoundError(`the lineage of entry ${entryId} (run ${entry.runId}) is incomplete`);
      const original = sweep.context as SweepContext;
      const reproSweepId = `repro-${reproductionId}`;
      const units = expandUnits(sweep.spec as never, sweep.id, original.foldCount)
        .filter((u) => u.runId === run.id)
        .map((u) => ({ ...u, unitId: u.unitId.replace(sweep.id, reproSweepId), runId: u.runId.replace(sweep.id, reproSweepId) }));
      if (units.length === 0) throw new InvalidInputError(`run ${run.id} cannot be re-expanded from its sweep spec`);
      await upsertReproduction(db, { id: reproductionId, entryId, originalRunId: run.id, status: 'running', tolerance });
      await setReproductionStatus(db, entryId, 'running');
      const plan: ReproductionPlan = {
        reproductionId, entryId, originalRunId: run.id, spec: sweep.spec as never, context: { ...original, sweepId: reproSweepId }, units, task: entry.task, mode: entry.mode,
      };
      return plan;
    }),

    judgeReproduction: ({ plan, tolerance }) => typed(async () => {
      const entry = (await getLeaderboardEntry(db, plan.entryId))!;
      const rerunId = plan.units[0]!.runId;
      const sets = (await listPredictionSets(db, rerunId)).filter((s) => s.mode === plan.mode && s.evalSet === CV_EVAL_SET);
      const preds = (await Promise.all(sets.map((s) => readPredictions(store, s.objectKey)))).flat();
      const scored = evaluatedDataset(plan.context);
      const dataset = await resolveDataset(db, `${scored.name}@${scored.hash}`);
      const gold = new Map((await loadDatasetRecords(store, dataset)).map((r) => [r.id, r]));
      const task = TASKS.find((t) => t === plan.task)!;
      const rerun = metricsFor(gold, preds).find((m) => m.task === task)!.accuracy;
      const difference = Math.abs(rerun - entry.accuracy);
      const reproduced = difference <= tolerance;
      const verdict = { task, mode: plan.mode, original: entry.accuracy, rerun, difference, tolerance, rerunId, codeCommit: plan.context.codeCommit };
      await upsertReproduction(db, { id: plan.reproductionId, entryId: plan.entryId, originalRunId: plan.originalRunId, status: reproduced ? 'reproduced' : 'not-reproduced', tolerance, verdict, finishedAt: new Date() });
      await setReproductionStatus(db, plan.entryId, reproduced ? 'reproduced' : 'not-reproduced');
      return { reproduced, original: entry.accuracy, rerun, difference };
    }),
  };
}
