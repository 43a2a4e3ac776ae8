import type { Baseline, ClassificationMode, LabelScoring, LogRendering, PromptFormat, SweepSpec } from './sweep.ts';

/** One LoRA configuration of a sweep, after the grid (or random search) is expanded. */
export interface LoraUnitConfig {
  rank: number;
  alpha: number;
  dropout: number;
  targetModules: string[];
  learningRate: number;
  epochs: number;
  rsLora: boolean;
  /** Adapters on the last n decoder layers only; absent: every layer. */
  topLayers?: number;
}

export interface DatasetRef { name: string; hash: string }

/** What every unit of a sweep shares: resolved dataset, split and base models. */
export interface SweepContext {
  sweepId: string;
  dataset: DatasetRef;
  splitHash: string;
  splitKind: string;
  foldCount: number;
  /** The version the test ids belong to when it is not `dataset` (holdout designs). */
  testDataset?: DatasetRef;
  /** Object-store key (or `file:` path) of the base model used for each fold. */
  baseModelKeys: string[];
  codeCommit: string;
}

export interface LoraUnit {
  kind: 'lora';
  unitId: string;
  runId: string;
  label: string;
  fold: number;
  seed: number;
  config: LoraUnitConfig;
  modes: ClassificationMode[];
  batchSize: number;
  maxSequenceLength: number;
  /** Absent: 'opensoc-ai'. */
  promptFormat?: PromptFormat;
  /** Absent: 'sum'. */
  labelScoring?: LabelScoring;
  /** The text the unit trains and predicts on; absent: 'raw'. */
  logRendering?: LogRendering;
}

export interface BaselineUnit {
  kind: 'baseline';
  unitId: string;
  runId: string;
  label: string;
  fold: number;
  seed: number;
  baseline: Baseline;
  modes: ClassificationMode[];
  maxSequenceLength: number;
  /** The prompt format the base-model baseline is evaluated in; absent: 'opensoc-ai'. */
  promptFormat?: PromptFormat;
  /** Absent: 'sum'. */
  labelScoring?: LabelScoring;
  /** The text the baseline fits and predicts on; absent: 'raw'. */
  logRendering?: LogRendering;
}

/**
 * Prompt formats the untuned base model is evaluated in: the sweep's own, plus the model's chat
 * template where the model has one (catalog / GGUF models), so the leaderboard shows what the
 * template alone is worth.
 */
export function baseModelPromptFormats(spec: SweepSpec): PromptFormat[] {
  const hasChat = spec.baseModel.kind === 'pretrained' || spec.baseModel.kind === 'gguf' || spec.promptFormat === 'chat';
  return hasChat ? ['opensoc-ai', 'chat'] : ['opensoc-ai'];
}

export type Unit = LoraUnit | BaselineUnit;

/** The dataset whose records a sweep's predictions are scored against. */
export const evaluatedDataset = (ctx: Pick<SweepContext, 'dataset' | 'testDataset'>): DatasetRef => ctx.testDataset ?? ctx.dataset;

/** Whether any unit runs the base model (LoRA training or the base-model baseline): if none, no base model is prepared. */
export const unitsNeedBaseModel = (units: readonly Unit[]): boolean => units.some((u) => u.kind === 'lora' || u.baseline === 'base-model');

/**
 * mulberry32: a small seeded PRNG with integer arithmetic only, so it gives the same numbers on
 * every platform (random search expands identically on workflow replay). Not for cryptography.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function alphaValue(a: number | { timesRank: number }, rank: number): number {
  return typeof a === 'number' ? a : a.timesRank * rank;
}

/** All LoRA configurations of a spec, in a stable order. */
export function expandConfigs(spec: SweepSpec): LoraUnitConfig[] {
  const space = spec.search.kind === 'grid' ? spec.search.grid : spec.search.space;
  const all: LoraUnitConfig[] = [];
  for (const rank of space.ranks)
    for (const a of space.alphas)
      for (const dropout of space.dropout)
        for (const learningRate of space.learningRates)
          for (const epochs of space.epochs)
            for (const layers of space.layers ?? ['all'])
              all.push({
                rank, alpha: alphaValue(a, rank), dropout, targetModules: [...space.targetModules], learningRate, epochs, rsLora: space.rsLora,
                ...(layers === 'all' ? {} : { topLayers: layers.top }),
              });
  const unique = [...new Map(all.map((c) => [JSON.stringify(c), c])).values()];
  if (spec.search.kind === 'grid') return unique;
  const rand = mulberry32(spec.search.seed);
  const picked: LoraUnitConfig[] = [];
  const pool = [...unique];
  for (let i = 0; i < spec.search.samples && pool.length > 0; i++) picked.push(pool.splice(Math.floor(rand() * pool.length), 1)[0]!);
  return picked;
}

/** A short readable label: rank and alpha always, other dimensions only when the sweep varies them. */
export function configLabel(c: LoraUnitConfig, varying: { dropout: boolean; learningRate: boolean; epochs: boolean }): string {
  let label = `r${c.rank}-a${c.alpha}`;
  if (varying.dropout) label += `-d${c.dropout}`;
  if (varying.learningRate) label += `-lr${c.learningRate}`;
  if (varying.epochs) label += `-e${c.epochs}`;
  if (c.topLayers !== undefined) label += `-top${c.topLayers}`;
  return label;
}

/** The kinds of unit whose durations differ by orders of magnitude (the ETA keeps a mean per kind). */
export function unitKind(unit: Unit): string {
  return unit.kind === 'lora' ? 'LoRA' : unit.baseline === 'base-model' ? 'base-model' : 'baseline';
}

/**
 * The order a sweep runs its units in: the first unit of each kind first, then the others as
 * expanded. The ETA rests on finished units of every kind still to run, so this gives an estimate
 * once one unit of each kind has finished, instead of only after the last LoRA unit has (when the
 * baselines come after them).
 */
export function scheduleOrder(units: readonly Unit[]): Unit[] {
  const seen = new Set<string>();
  const first: Unit[] = [];
  const rest: Unit[] = [];
  for (const u of units) {
    const kind = unitKind(u);
    (seen.has(kind) ? rest : first).push(u);
    seen.add(kind);
  }
  return [...first, ...rest];
}

/** Every unit of a sweep: LoRA configs × seeds × folds, then baselines × folds. Ids are deterministic. */
export function expandUnits(spec: SweepSpec, sweepId: string, foldCount: number): Unit[] {
  const configs = expandConfigs(spec);
  const varying = {
    dropout: new Set(configs.map((c) => c.dropout)).size > 1,
    learningRate: new Set(configs.map((c) => c.learningRate)).size > 1,
    epochs: new Set(configs.map((c) => c.epochs)).size > 1,
  };
  const units: Unit[] = [];
  for (const config of configs) {
    const label = configLabel(config, varying);
    for (const seed of spec.seeds) {
      const runId = `${sweepId}.${label}.s${seed}`;
      for (let fold = 0; fold < foldCount; fold++) {
        units.push({
          kind: 'lora', unitId: `${sweepId}/${label}/f${fold}/s${seed}`, runId, label, fold, seed, config, modes: [...spec.modes], batchSize: spec.batchSize, maxSequenceLength: spec.maxSequenceLength,
          ...(spec.promptFormat === 'chat' ? { promptFormat: 'chat' as const } : {}),
          ...(spec.labelScoring !== undefined && spec.labelScoring !== 'sum' ? { labelScoring: spec.labelScoring } : {}),
          ...(spec.logRendering === 'compact' ? { logRendering: 'compact' as const } : {}),
        });
      }
    }
  }
  for (const baseline of spec.baselines) {
    for (const format of baseline === 'base-model' ? baseModelPromptFormats(spec) : (['opensoc-ai'] as const)) {
      const label = format === 'chat' ? `baseline-${baseline}-chat` : `baseline-${baseline}`;
      const seed = spec.seeds[0]!;
      for (let fold = 0; fold < foldCount; fold++) {
        units.push({
          kind: 'baseline', unitId: `${sweepId}/${label}/f${fold}/s${seed}`, runId: `${sweepId}.${label}.s${seed}`, label, fold, seed, baseline,
          modes: baseline === 'base-model' ? [...spec.modes] : [], maxSequenceLength: spec.maxSequenceLength,
          ...(format === 'chat' ? { promptFormat: 'chat' as const } : {}),
          ...(baseline === 'base-model' && spec.labelScoring !== undefined && spec.labelScoring !== 'sum' ? { labelScoring: spec.labelScoring } : {}),
          ...(spec.logRendering === 'compact' ? { logRendering: 'compact' as const } : {}),
        });
      }
    }
  }
  return units;
}
