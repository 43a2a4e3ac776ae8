import type { LeaderboardRow } from '../schemas.ts';

const pct1 = (v: number) => `${(100 * v).toFixed(1)}%`;

/** For methods that may decline to answer (Sigma rules): the share of records they answered; the rest count as wrong. */
export function Coverage(props: { row: LeaderboardRow }) {
  const c = props.row.coverage;
  if (c === null) return null;
  return <span class="badge coverage" data-coverage={c.toFixed(4)} title="share of the evaluated records any rule matched; records no rule matched have no prediction and are scored wrong">coverage {pct1(c)}</span>;
}

/** A rule method that matched nothing gave no answer; nothing was parsed, so the count is not a parse failure. */
export function ParseFailures(props: { row: LeaderboardRow }) {
  const r = props.row;
  if (r.coverage === null) return <>{r.parseFailures}</>;
  return <span class="no-match" title="records no rule matched: no prediction, scored wrong (rules have no output to parse)">{r.parseFailures} no match</span>;
}
