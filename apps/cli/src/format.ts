import { competitionRanks, type SignificanceDirection } from '@opensoc/contracts';
import type { LeaderboardEntryRow } from '@opensoc/db';

export const pct = (x: number | null | undefined) => (x === null || x === undefined ? '   -  ' : `${(100 * x).toFixed(1).padStart(5)}%`);
export const pval = (p: number | null | undefined) => (p === null || p === undefined ? '-' : p < 1e-4 ? p.toExponential(1) : p.toFixed(4));

const stars = (p: number) => (p < 0.001 ? '***' : p < 0.01 ? '**' : '*');
/**
 * A significance mark with its direction, after Holm adjustment: `better **` when the entry got
 * significantly more records right, `WORSE **` when significantly fewer (stars: p < .05, .01,
 * .001), nothing when there is no detectable difference or no test.
 */
export function mark(direction: SignificanceDirection | null | undefined, p: number | null | undefined): string {
  if (p === null || p === undefined || direction === null || direction === undefined || direction === 'none') return '';
  return `${direction === 'better' ? 'better' : 'WORSE'} ${stars(p)}`;
}

/** Flags a reader must not miss: below the majority-class rate, aggregated from a running sweep. */
export function flags(r: Pick<LeaderboardEntryRow, 'belowMajority' | 'majorityAccuracy' | 'partial'>): string {
  return [r.belowMajority ? `BELOW MAJORITY (${pct(r.majorityAccuracy).trim()})` : '', r.partial ? 'partial' : ''].filter(Boolean).join(', ');
}

/** Beside a method that may decline to answer (Sigma rules): the share of records it answered. */
export const coverageNote = (r: Pick<LeaderboardEntryRow, 'coverage'>): string => (r.coverage === null ? '' : ` (coverage ${(100 * r.coverage).toFixed(1)}%)`);

export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export function leaderboardTable(rows: LeaderboardEntryRow[]): string {
  // Rows come in the ranking rule's order; tied accuracies share a rank.
  const ranks = competitionRanks(rows, (x) => x.accuracy);
  const body = table(
    ['#', 'entry', 'model', 'mode', 'n', 'accuracy [95% CI]', 'macro-F1 [95% CI]', 'fold mean±sd', 'vs best baseline (Holm)', 'p vs top (Holm)', 'flags'],
    rows.map((r, i) => [
      String(ranks[i]), r.id, `${r.label}${coverageNote(r)}`, r.mode, String(r.n),
      `${pct(r.accuracy)} [${pct(r.accuracyLow).trim()}, ${pct(r.accuracyHigh).trim()}]`,
      `${pct(r.macroF1)} [${pct(r.macroF1Low).trim()}, ${pct(r.macroF1High).trim()}]`,
      r.foldMean === null ? '-' : `${pct(r.foldMean).trim()}±${(100 * (r.foldStd ?? 0)).toFixed(1)}`,
      `${pval(r.pVsBestBaselineAdjusted)} ${mark(r.vsBestBaselineDirection, r.pVsBestBaselineAdjusted)}`.trim(),
      `${pval(r.pVsTopAdjusted)} ${mark(r.vsTopDirection, r.pVsTopAdjusted)}`.trim(),
      flags(r),
    ]),
  );
  return [body, ...summaryLines(rows)].join('\n');
}

/** Lines under the table: what is below the majority rate, and whether the figures are partial. */
export function summaryLines(rows: LeaderboardEntryRow[]): string[] {
  const out: string[] = [];
  const below = rows.filter((r) => r.belowMajority);
  if (below.length > 0) out.push(`\n${below.length} of ${rows.length} entries score BELOW always answering the most frequent label: ${below.map((r) => `${r.label} (${r.mode})`).join(', ')}`);
  if (rows.some((r) => r.partial)) out.push('PARTIAL: the sweep is still running; these figures may change.');
  return out;
}
