/**
 * The one ranking rule of every leaderboard (API, pages, CLI): entries are ordered by the sort
 * key, best first (accuracy unless another key is chosen); entries with equal values share a
 * rank (1, 2, 2, 4: no tied entry is "the best" over another) and are listed by entry id,
 * descending, which is the order the database index returns them in, so SQL queries (ORDER BY
 * key DESC, id DESC) and in-memory sorts (compareEntries) agree.
 */
export const RANKING_RULE = 'ordered by the sort key, best first; equal values share a rank (1, 2, 2, 4) and are listed by entry id, descending';

export interface Rankable { id: string }

/** Sort comparator implementing RANKING_RULE for a key where higher is better. */
export function compareEntries<T extends Rankable>(key: (e: T) => number): (a: T, b: T) => number {
  return (a, b) => key(b) - key(a) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

/** Competition ranks of rows already in RANKING_RULE order: equal key values get the same rank. */
export function competitionRanks<T>(rows: readonly T[], key: (e: T) => number): number[] {
  const ranks: number[] = [];
  rows.forEach((r, i) => { ranks.push(i > 0 && key(r) === key(rows[i - 1]!) ? ranks[i - 1]! : i + 1); });
  return ranks;
}
