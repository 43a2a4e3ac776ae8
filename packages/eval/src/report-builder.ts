import { TASKS, significanceDirection } from '@opensoc/contracts';
import type { ComparisonReport, Lineage, ReportEntry, RunReport, SweepReport, Task } from '@opensoc/contracts';
import type { BootstrapOptions } from './intervals.ts';
import { compareTask, evaluateKFold, pairPredictions, taskData } from './kfold.ts';
import type { PooledPredictions } from './kfold.ts';
import { benjaminiHochbergAdjust, cochranQ, holmAdjust } from './significance.ts';

export interface EntryInput {
  id: string;
  label?: string;
  mode: string;
  config?: Record<string, string | number | boolean | null>;
  pooled: PooledPredictions;
  trainLoss?: { step: number; loss: number }[];
  lineage?: Lineage;
}

/** A report entry: pooled out-of-fold metrics plus the per-fold mean and spread. */
export function buildEntry(input: EntryInput, options: { level?: number; bootstrap?: BootstrapOptions | false; tasks?: readonly Task[] } = {}): ReportEntry {
  const ev = evaluateKFold(input.pooled, options);
  const entry: ReportEntry = {
    id: input.id,
    label: input.label ?? input.id,
    mode: input.mode,
    config: input.config ?? {},
    folds: ev.perFold.length,
    metrics: ev.pooled,
    foldSummary: ev.foldSummary,
  };
  if (input.trainLoss) entry.trainLoss = input.trainLoss;
  if (input.lineage) entry.lineage = input.lineage;
  return entry;
}

/**
 * Paired comparisons (McNemar + paired bootstrap) for the given pairs and tasks, with Holm and
 * Benjamini–Hochberg adjustments of the reported McNemar p-values across all of them (the
 * family is every comparison in the report).
 */
export function buildComparisons(
  pairs: readonly { a: EntryInput; b: EntryInput }[],
  options: { tasks?: readonly Task[]; bootstrap?: BootstrapOptions | false } = {},
): ComparisonReport[] {
  const tasks = options.tasks ?? TASKS;
  const out: ComparisonReport[] = [];
  for (const { a, b } of pairs) {
    const pair = pairPredictions(a.pooled, b.pooled);
    for (const task of tasks) {
      const cmp = compareTask(pair, task, options.bootstrap === false ? { iterations: 1 } : options.bootstrap);
      const report: ComparisonReport = { task, a: a.id, b: b.id, n: cmp.n, mcnemar: cmp.mcnemar };
      if (options.bootstrap !== false) report.pairedBootstrap = cmp.pairedBootstrap;
      out.push(report);
    }
  }
  const p = out.map((c) => c.mcnemar.p);
  const holm = holmAdjust(p);
  const bh = benjaminiHochbergAdjust(p);
  out.forEach((c, i) => {
    c.holmP = holm[i]!;
    c.bhP = bh[i]!;
    c.direction = significanceDirection(c.mcnemar.b, c.mcnemar.c, c.holmP);
  });
  return out;
}

/** Cochran's Q across several entries evaluated on the same records (a parse failure counts as wrong). */
export function buildCochranQ(entries: readonly EntryInput[], task: Task): SweepReport['cochranQ'][number] {
  if (entries.length < 2) throw new Error("Cochran's Q needs at least two entries");
  for (const e of entries.slice(1)) pairPredictions(entries[0]!.pooled, e.pooled);
  const correct = entries.map((e) => {
    const d = taskData(e.pooled, task);
    return d.gold.map((g, i) => !d.failed![i] && d.predicted[i] === g);
  });
  return { task, entries: entries.map((e) => e.id), ...cochranQ(correct) };
}

/** A metric over config.rank × config.alpha; null where no entry has that pair. */
export function rankAlphaGrid(entries: readonly ReportEntry[], task: Task, metric: 'accuracy' | 'macroF1' = 'macroF1'): SweepReport['grids'][number] {
  const num = (v: unknown) => (typeof v === 'number' ? v : undefined);
  const withGrid = entries.filter((e) => num(e.config.rank) !== undefined && num(e.config.alpha) !== undefined);
  const ranks = [...new Set(withGrid.map((e) => num(e.config.rank)!))].sort((x, y) => x - y);
  const alphas = [...new Set(withGrid.map((e) => num(e.config.alpha)!))].sort((x, y) => x - y);
  const values = ranks.map((r) =>
    alphas.map((a) => {
      // Several entries per cell (seeds, learning rates): report the best, as a leaderboard would.
      const cell = withGrid.filter((e) => e.config.rank === r && e.config.alpha === a).map((e) => e.metrics.find((m) => m.task === task)?.[metric]);
      const defined = cell.filter((v): v is number => v !== undefined);
      return defined.length === 0 ? null : Math.max(...defined);
    }),
  );
  return { task, metric, ranks, alphas, values };
}

export function buildRunReport(args: { title: string; createdAt: string; entry: ReportEntry; baselines?: ReportEntry[]; comparisons?: ComparisonReport[] }): RunReport {
  return { kind: 'run', title: args.title, createdAt: args.createdAt, entry: args.entry, baselines: args.baselines ?? [], comparisons: args.comparisons ?? [] };
}

export function buildSweepReport(args: { title: string; createdAt: string; entries: ReportEntry[]; comparisons?: ComparisonReport[]; cochranQ?: SweepReport['cochranQ']; grids?: SweepReport['grids'] }): SweepReport {
  return { kind: 'sweep', title: args.title, createdAt: args.createdAt, entries: args.entries, comparisons: args.comparisons ?? [], cochranQ: args.cochranQ ?? [], grids: args.grids ?? [] };
}
