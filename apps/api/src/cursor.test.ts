import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { ApiError } from './errors.ts';

describe('leaderboard cursor', () => {
  it('round-trips sort value and id exactly', () => {
    const c = { s: 'accuracy' as const, o: 'desc' as const, v: 0.8333333333333334, id: 'sweep/r8-a16/s1:label-scoring:threatCategory:cv' };
    const raw = encodeCursor(c);
    expect(raw).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(raw, 'accuracy', 'desc')).toEqual(c);
  });

  it('refuses a cursor for another sort or order, and garbage, as 400 naming cursor', () => {
    const raw = encodeCursor({ s: 'accuracy', o: 'desc', v: 0.5, id: 'x' });
    for (const [r, s, o] of [[raw, 'macroF1', 'desc'], [raw, 'accuracy', 'asc'], ['bm9wZQ', 'accuracy', 'desc'], ['', 'accuracy', 'desc']] as const) {
      try {
        decodeCursor(r, s, o);
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(ApiError);
        expect((e as ApiError).status).toBe(400);
        expect((e as ApiError).errors?.[0]?.name).toBe('cursor');
      }
    }
    const nul = Buffer.from(JSON.stringify(['accuracy', 'desc', 0.5, 'a\u0000b'])).toString('base64url');
    expect(() => decodeCursor(nul, 'accuracy', 'desc')).toThrow(ApiError);
    const inf = Buffer.from('["accuracy","desc",1e999,"a"]').toString('base64url');
    expect(() => decodeCursor(inf, 'accuracy', 'desc')).toThrow(ApiError);
  });
});
