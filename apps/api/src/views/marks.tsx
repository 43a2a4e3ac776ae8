import type { LeaderboardRow } from '../schemas.ts';

/** The marks beside a leaderboard entry: significance with its direction, below-majority, partial. */

const fmtP = (p: number | null) => (p === null ? '–' : p < 0.001 ? '<0.001' : p.toFixed(3));
const pct = (v: number | null) => (v === null ? '–' : `${(v * 100).toFixed(1)}%`);

/**
 * ★ when the entry got significantly more records right than the best baseline (Holm), ▼ when
 * significantly fewer; nothing when the test finds no difference or was not run. The direction
 * comes from the stored discordant counts, never from the two-sided p alone.
 */
export function Sig(props: { row: LeaderboardRow }) {
  const t = props.row.pVsBestBaseline;
  if (props.row.baseline || t.direction === null || t.direction === 'none') return null;
  const counts = `${t.onlyThis ?? '?'} records right only here, ${t.onlyOther ?? '?'} only for the best baseline`;
  if (t.direction === 'better') {
    return <span class="star sig-better" data-sig="better" title={`better than the best baseline: ${counts}; p = ${fmtP(t.adjusted)} after Holm`} aria-label="significantly better than the best baseline">★</span>;
  }
  return <span class="sig-worse" data-sig="worse" title={`worse than the best baseline: ${counts}; p = ${fmtP(t.adjusted)} after Holm`} aria-label="significantly worse than the best baseline">▼</span>;
}

/** A badge when the entry scores below always answering the most frequent label of the same records. */
export function BelowMajority(props: { row: LeaderboardRow }) {
  if (!props.row.belowMajority) return null;
  return <span class="badge below-majority" data-below-majority="true" title={`below always answering the most frequent label (${pct(props.row.majorityAccuracy)})`}>below majority</span>;
}

export function Partial(props: { row: LeaderboardRow }) {
  if (!props.row.partial) return null;
  return <span class="badge partial" title="aggregated while the sweep still runs: numbers may change">partial</span>;
}

export function SignificanceLegend() {
  return (
    <>
      <span class="star">★</span> significantly more records right than the best baseline, <span class="sig-worse">▼</span> significantly fewer
      (paired McNemar on the same records, p &lt; 0.05 after Holm correction); no mark: no detectable difference.
      <span class="badge below-majority">below majority</span> scores under always answering the most frequent label.{' '}
    </>
  );
}
