import { ApiError } from './errors.ts';
import type { SortKey } from './schemas.ts';

/**
 * Opaque, stable keyset cursor: the sort key, order, the last row's sort value
 * and its id, as base64url JSON. Rows that appear later never shift a page.
 */
export interface Cursor { s: SortKey; o: 'asc' | 'desc'; v: number; id: string }

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify([c.s, c.o, c.v, c.id]), 'utf8').toString('base64url');
}

export function decodeCursor(raw: string, sort: SortKey, order: 'asc' | 'desc'): Cursor {
  const bad = (reason: string) => new ApiError(400, `invalid query parameter: cursor (${reason})`, [{ name: 'cursor', in: 'query', reason }], 'invalid-parameters');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    throw bad('not a cursor returned by this API');
  }
  if (!Array.isArray(parsed) || parsed.length !== 4) throw bad('not a cursor returned by this API');
  const [s, o, v, id] = parsed as unknown[];
  if (typeof v !== 'number' || !Number.isFinite(v) || typeof id !== 'string' || id.length === 0 || id.length > 200 || /[\u0000-\u001f]/.test(id)) {
    throw bad('not a cursor returned by this API');
  }
  if (s !== sort || o !== order) throw bad(`cursor was made for sort=${String(s)}&order=${String(o)}; repeat the same sort and order`);
  return { s: sort, o: order, v, id };
}
