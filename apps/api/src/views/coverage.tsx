import type { LeaderboardRow } from '../schemas.ts';

const pct1 = (v: number) => `${(100 * v).toFixed(1)}%`;

/** For methods that may decline to answer (Sigma rules): the share of records they answered; the rest count as wrong. */
export function Coverage(props: { row: LeaderboardRow }) {
  const c = props.row.coverage;
  if (c === null) return null;
  return <span class="badge coverage" data-coverage={c.toFixed(4)} title="share of the evaluated records any rule matched; records no rule matched have no prediction and are scored wrong">coverage {pct1(c)}</span>;
}
