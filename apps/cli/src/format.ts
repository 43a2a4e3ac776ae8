import { competitionRanks } from '@opensoc/contracts';
import type { LeaderboardEntryRow } from '@opensoc/db';

export const pct = (x: number | null | undefined) => (x === null || x === undefined ? '   -  ' : `${(100 * x).toFixed(1).padStart(5)}%`);
export const pval = (p: number | null | undefined) => (p === null || p === undefined ? '-' : p < 1e-4 ? p.toExponential(1) : p.toFixed(4));
/** Significance marks against the best baseline, after Holm adjustment. */
export const mark = (p: number | null | undefined) => (p === null || p === undefined ? '' : p < 0.001 ? '***' : p < 0.01 ? '**' : p < 0.05 ? '*' : '');

export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export function leaderboardTable(rows: LeaderboardEntryRow[]): string {
  // Rows come in the ranking rule's order; tied accuracies share a rank.
  const ranks = competitionRanks(rows, (x) => x.accuracy);
  return table(
    ['#', 'entry', 'model', 'mode', 'accuracy [95% CI]', 'macro-F1 [95% CI]', 'fold mean±sd', 'p vs best baseline (Holm)', 'p vs top (Holm)'],
    rows.map((r, i) => [
      String(ranks[i]), r.id, r.label, r.mode,
      `${pct(r.accuracy)} [${pct(r.accuracyLow).trim()}, ${pct(r.accuracyHigh).trim()}]`,
      `${pct(r.macroF1)} [${pct(r.macroF1Low).trim()}, ${pct(r.macroF1High).trim()}]`,
      r.foldMean === null ? '-' : `${pct(r.foldMean).trim()}±${(100 * (r.foldStd ?? 0)).toFixed(1)}`,
      `${pval(r.pVsBestBaselineAdjusted)} ${mark(r.pVsBestBaselineAdjusted)}`.trim(),
      pval(r.pVsTopAdjusted),
    ]),
  );
}
