import { describe, expect, it } from 'vitest';
import { conditionIdentifiers, evaluateCondition, parseCondition } from './condition.ts';
import { UnsupportedRule } from './modifiers.ts';

const evalWith = (text: string, truth: Record<string, boolean>) => evaluateCondition(parseCondition(text), Object.keys(truth), (n) => truth[n]!);

describe('Sigma conditions', () => {
  it('not binds tighter than and, and tighter than or; parentheses group', () => {
    expect(evalWith('a or b and c', { a: true, b: false, c: false })).toBe(true);
    expect(evalWith('(a or b) and c', { a: true, b: false, c: false })).toBe(false);
    expect(evalWith('not a and b', { a: false, b: true })).toBe(true);
    expect(evalWith('not (a and b)', { a: true, b: true })).toBe(false);
    expect(evalWith('a AND NOT b', { a: true, b: true })).toBe(false);
  });
  it('1 of / all of a pattern or of them (them skips _-prefixed identifiers)', () => {
    const t = { selection_a: false, selection_b: true, filter_x: false, _helper: false };
    expect(evalWith('1 of selection_*', t)).toBe(true);
    expect(evalWith('all of selection_*', t)).toBe(false);
    expect(evalWith('1 of selection_* and not 1 of filter_*', t)).toBe(true);
    expect(evalWith('all of them', { a: true, b: true, _h: false })).toBe(true);
    expect(evalWith('1 of them', { a: false, _h: true })).toBe(false);
  });
  it('rejects aggregations, dangling operators and unknown identifiers', () => {
    expect(() => parseCondition('selection | count() > 5')).toThrow(UnsupportedRule);
    expect(() => parseCondition('a and')).toThrow(UnsupportedRule);
    expect(() => parseCondition('(a or b')).toThrow(UnsupportedRule);
    expect(() => conditionIdentifiers(parseCondition('a and missing'), ['a'])).toThrow(/unknown identifier "missing"/);
    expect(() => conditionIdentifiers(parseCondition('1 of sel*'), ['a'])).toThrow(/matches no identifier/);
  });
});
