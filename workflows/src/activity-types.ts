/**
 * The activity signatures the workflows call. Types only: apps/worker implements
 * them with real clients (createActivities), so workflows stay free of I/O.
 */
import type { BaselineUnit, ClassificationMode, DatasetRef, LogRendering, LoraUnit, SweepContext, SweepSpec, Unit } from '@opensoc/contracts';

export interface PreparedSweep { context: SweepContext; units: Unit[] }

export interface PredictionOutput { mode: ClassificationMode | 'baseline'; evalSet: string; key: string; sha256: string; count: number }
export interface UnitOutputs { predictions: PredictionOutput[]; adapterKey?: string; lossCurve: { step: number; loss: number }[] }
export interface TrainedAdapter { adapterKey: string; lossCurve: { step: number; loss: number }[]; resumedFromStep: number | null }
export interface UnitSummary { unitId: string; runId: string; label: string; kind: Unit['kind']; accuracy: Record<string, number> }
export interface SweepSummary { sweepId: string; status: 'completed' | 'cancelled' | 'failed'; units: number; best: { runId: string; mode: string; accuracy: number } | null }

export interface PretrainInput {
  sweepId: string; fold: number; dataset: DatasetRef; splitHash: string; spec: SweepSpec['baseModel']; maxSequenceLength: number;
  /** How the pretraining corpus renders logs; absent means raw. */
  logRendering?: LogRendering;
}

export interface ReproductionPlan {
  reproductionId: string;
  entryId: string;
  originalRunId: string;
  spec: SweepSpec;
  context: SweepContext;
  units: Unit[];
  task: string;
  mode: string;
}

export interface OrchestrationActivities {
  prepareSweep(input: { sweepId: string; workflowId: string; spec: SweepSpec; codeCommit: string }): Promise<PreparedSweep>;
  setBaseModels(input: { sweepId: string; baseModelKeys: string[] }): Promise<void>;
  recordUnitResult(ctx: SweepContext, unit: Unit, outputs: UnitOutputs): Promise<UnitSummary>;
  updateSweepProgress(input: { sweepId: string; done: number; total: number }): Promise<void>;
  /** partial: a live aggregation while units still run (every row marked partial). */
  aggregateSweep(ctx: SweepContext, opts?: { partial?: boolean }): Promise<{ best: SweepSummary['best']; entries: number }>;
  finishSweep(input: { sweepId: string; status: SweepSummary['status']; error?: string }): Promise<void>;
  planReproduction(input: { reproductionId: string; entryId: string; tolerance: number }): Promise<ReproductionPlan>;
  judgeReproduction(input: { plan: ReproductionPlan; tolerance: number }): Promise<{ reproduced: boolean; original: number; rerun: number; difference: number }>;
}

export interface TrainingActivities {
  pretrainBase(input: PretrainInput): Promise<{ modelKey: string; cached: boolean }>;
  trainLora(ctx: SweepContext, unit: LoraUnit): Promise<TrainedAdapter>;
  evaluateUnit(ctx: SweepContext, unit: LoraUnit, adapterKey: string): Promise<UnitOutputs>;
  runBaseline(ctx: SweepContext, unit: BaselineUnit): Promise<UnitOutputs>;
}
