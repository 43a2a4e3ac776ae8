import {
  CancellationScope, ParentClosePolicy, continueAsNew, defineQuery, isCancellation, patched, proxyActivities, setHandler, startChild, workflowInfo,
  type ChildWorkflowHandle,
} from '@temporalio/workflow';
import { QUERIES, unitKind, unitsNeedBaseModel, type SweepContext, type SweepSpec, type Unit } from '@opensoc/contracts';
import type { OrchestrationActivities, SweepSummary, UnitSummary } from './activity-types.ts';
import { liveAggregationActivityOptions, orchestrationActivityOptions } from './options.ts';
import { pretrainBaseWorkflow } from './pretrain.ts';
import { trainEvalWorkflow } from './train-eval.ts';

const orchestration = proxyActivities<OrchestrationActivities>(orchestrationActivityOptions);
const live = proxyActivities<OrchestrationActivities>(liveAggregationActivityOptions);

/** Marks histories that aggregate partial results while units run; older histories replay without it. */
export const LIVE_RESULTS_PATCH = 'live-partial-results';

/** Unit durations as the workflow observed them (workflow time), for an ETA from finished units only. */
export interface SweepTiming {
  concurrency: number;
  /** Units finished (done or failed) and the seconds they took together. */
  finishedUnits: number;
  finishedSeconds: number;
  /** Running unit id -> start time (epoch ms). */
  runningSince: Record<string, number>;
  /**
   * The same per kind of unit (LoRA training, the untuned base model, other baselines): their
   * durations differ by orders of magnitude, so each kind's ETA uses its own finished units.
   * Absent in progress from workflows started before it existed.
   */
  kinds?: Record<string, { total: number; finishedUnits: number; finishedSeconds: number }>;
  /** Running unit id -> its kind. */
  runningKind?: Record<string, string>;
}

/** A unit's kind for timing: its cost depends on it far more than on anything else. */

export interface SweepProgress {
  phase: 'preparing' | 'pretraining' | 'training' | 'aggregating' | 'done';
  total: number;
  done: number;
  failed: number;
  running: string[];
  best: { label: string; accuracy: number } | null;
  /** Absent in progress from workflows started before it existed. */
  timing?: SweepTiming;
}
export const progressQuery = defineQuery<SweepProgress>(QUERIES.progress);

/** historyLimit: events before continue-as-new (default HISTORY_LIMIT; tests lower it). */
export interface SweepInput { sweepId: string; spec: SweepSpec; codeCommit: string; historyLimit?: number }
/** State carried across continue-as-new so a 1,000-unit sweep keeps a short history. */
export interface SweepCarry {
  ctx: SweepContext; units: Unit[]; next: number; done: number; failed: number; best: SweepProgress['best']; finishedUnits?: number; finishedSeconds?: number;
  kinds?: SweepTiming['kinds'];
}

/** Start a fresh run (continue-as-new) once history passes this many events. */
const HISTORY_LIMIT = 8_000;

export async function sweepWorkflow(input: SweepInput, carry?: SweepCarry): Promise<SweepSummary> {
  const { sweepId, spec } = input;
  const progress: SweepProgress = { phase: 'preparing', total: carry?.units.length ?? 0, done: carry?.done ?? 0, failed: carry?.failed ?? 0, running: [], best: carry?.best ?? null };
  const timing: SweepTiming = { concurrency: spec.concurrency, finishedUnits: carry?.finishedUnits ?? 0, finishedSeconds: carry?.finishedSeconds ?? 0, runningSince: {}, runningKind: {}, kinds: carry?.kinds };
  setHandler(progressQuery, () => ({ ...progress, timing }));
  const running = new Map<string, Promise<void>>();
  let liveAggregation: Promise<void> | null = null;
  let liveStale = false;
  // Set once the run stops launching units: the pass in flight is the last live one.
  let liveClosed = false;

  try {
    let ctx: SweepContext;
    let units: Unit[];
    if (carry) {
      ({ ctx, units } = carry);
    } else {
      const prepared = await orchestration.prepareSweep({ sweepId, workflowId: workflowInfo().workflowId, spec, codeCommit: input.codeCommit });
      units = prepared.units;
      progress.total = units.length;
      ctx = await prepareBaseModels(prepared.context, spec, units, progress);
    }

    progress.phase = 'training';
    if (!timing.kinds) {
      timing.kinds = {};
      for (const u of units) (timing.kinds[unitKind(u)] ??= { total: 0, finishedUnits: 0, finishedSeconds: 0 }).total++;
    }
    let next = carry?.next ?? 0;
    const liveResults = patched(LIVE_RESULTS_PATCH);
    /**
     * After a unit finishes, re-aggregate the leaderboard as partial rows. One aggregation at a
     * time: units finishing meanwhile make one more pass, so history grows by at most one
     * activity per finished unit. Best effort: the final aggregation is the one that counts.
     */
    const aggregateLive = () => {
      if (!liveResults || liveClosed) return;
      if (liveAggregation) { liveStale = true; return; }
      liveAggregation = (async () => {
        do {
          liveStale = false;
          try { await live.aggregateSweep(ctx, { partial: true }); } catch { /* shown late, not wrong: the final aggregation replaces it */ }
        } while (liveStale && !liveClosed);
      })().finally(() => { liveAggregation = null; });
    };
    const launch = async (unit: Unit) => {
      const child: ChildWorkflowHandle<typeof trainEvalWorkflow> = await startChild(trainEvalWorkflow, {
        workflowId: unit.unitId,
        args: [ctx, unit, spec.taskQueue, spec.heartbeatTimeoutSeconds],
        // Children outlive a continue-as-new of the parent only if abandoned; we always drain first, so terminate is safe.
        parentClosePolicy: ParentClosePolicy.TERMINATE,
      });
      progress.running.push(unit.unitId);
      const startedAt = Date.now();
      timing.runningSince[unit.unitId] = startedAt;
      const kind = unitKind(unit);
      timing.runningKind![unit.unitId] = kind;
      const finished = () => {
        const seconds = (Date.now() - startedAt) / 1000;
        timing.finishedUnits++;
        timing.finishedSeconds += seconds;
        const k = timing.kinds?.[kind];
        if (k) { k.finishedUnits++; k.finishedSeconds += seconds; }
        if (progress.done + progress.failed < units.length) aggregateLive();
      };
      const done = child.result().then(
        (summary: UnitSummary) => { progress.done++; noteBest(progress, summary); finished(); },
        (err: unknown) => { if (isCancellation(err)) throw err; progress.failed++; finished(); },
      ).finally(() => {
        running.delete(unit.unitId);
        delete timing.runningSince[unit.unitId];
        delete timing.runningKind![unit.unitId];
        progress.running = progress.running.filter((id) => id !== unit.unitId);
      });
      running.set(unit.unitId, done);
    };

    while (next < units.length) {
      if (running.size >= spec.concurrency) await Promise.race(running.values());
      if (workflowInfo().historyLength > (input.historyLimit ?? HISTORY_LIMIT)) {
        await Promise.all(running.values());
        await drainLiveAggregation();
        await orchestration.updateSweepProgress({ sweepId, done: progress.done + progress.failed, total: units.length });
        await continueAsNew<typeof sweepWorkflow>(input, {
          ctx, units, next, done: progress.done, failed: progress.failed, best: progress.best, finishedUnits: timing.finishedUnits, finishedSeconds: timing.finishedSeconds,
          kinds: timing.kinds,
        });
      }
      await launch(units[next]!);
      next++;
      if (next % 10 === 0) await orchestration.updateSweepProgress({ sweepId, done: progress.done + progress.failed, total: units.length });
    }
    await Promise.all(running.values());
    // A live pass still writing would race the final rows; the final aggregation starts after it.
    await drainLiveAggregation();
    await orchestration.updateSweepProgress({ sweepId, done: progress.done + progress.failed, total: units.length });

    progress.phase = 'aggregating';
    const { best } = await orchestration.aggregateSweep(ctx);
    const status = progress.failed > 0 ? 'failed' : 'completed';
    await orchestration.finishSweep({ sweepId, status, error: progress.failed > 0 ? `${progress.failed} of ${units.length} units failed` : undefined });
    progress.phase = 'done';
    return { sweepId, status, units: units.length, best };
  } catch (err) {
    if (isCancellation(err)) {
      // Let the running units finish cancelling (training saves a checkpoint and stops), then
      // record the cancellation; this scope is cancelled, so both run outside it.
      await CancellationScope.nonCancellable(async () => {
        await Promise.allSettled(running.values());
        await drainLiveAggregation();
        await orchestration.finishSweep({ sweepId, status: 'cancelled' });
      });
    }
    throw err;
  }

  async function drainLiveAggregation(): Promise<void> {
    liveClosed = true;
    while (liveAggregation) await liveAggregation;
  }
}

/** Pretrains a base model per fold, only when the spec asks for one and some unit uses it (a baselines-only sweep starts none). */
async function prepareBaseModels(ctx: SweepContext, spec: SweepSpec, units: Unit[], progress: SweepProgress): Promise<SweepContext> {
  if (spec.baseModel.kind !== 'pretrain' || !unitsNeedBaseModel(units)) return ctx;
  progress.phase = 'pretraining';
  const keys = await Promise.all(
    Array.from({ length: ctx.foldCount }, (_, fold) =>
      startChild(pretrainBaseWorkflow, {
        workflowId: `${ctx.sweepId}/pretrain/f${fold}`,
        args: [{
          sweepId: ctx.sweepId, fold, dataset: ctx.dataset, splitHash: ctx.splitHash, spec: spec.baseModel, maxSequenceLength: spec.maxSequenceLength,
          // The base model reads the logs the way the units will (raw is left out: inputs of earlier sweeps stay as they were).
          ...((spec.logRendering ?? 'raw') === 'raw' ? {} : { logRendering: spec.logRendering }),
        }, spec.taskQueue, spec.heartbeatTimeoutSeconds],
      }).then((h) => h.result()),
    ),
  );
  const baseModelKeys = keys.map((k) => k.modelKey);
  await orchestration.setBaseModels({ sweepId: ctx.sweepId, baseModelKeys });
  return { ...ctx, baseModelKeys };
}

function noteBest(progress: SweepProgress, s: UnitSummary): void {
  if (s.kind !== 'lora') return;
  for (const acc of Object.values(s.accuracy)) {
    if (!progress.best || acc > progress.best.accuracy) progress.best = { label: s.label, accuracy: acc };
  }
}
