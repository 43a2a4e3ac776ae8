import { describe, expect, it } from 'vitest';
import { normalizeMetrics } from './queries.ts';

const m = (task: string, acc: number) => ({
  task, n: 10, accuracy: acc, accuracyInterval: { low: acc - 0.1, high: acc + 0.1, method: 'wilson', level: 0.95 }, macroF1: acc - 0.05, parseFailures: 1,
  confusion: { labels: ['a', 'b'], matrix: [[4, 1], [0, 5]] },
});

describe('normalizeMetrics', () => {
  it('reads TaskMetrics[] (the contracts shape)', () => {
    const out = normalizeMetrics([m('threatCategory', 0.9), m('severity', 0.7)]);
    expect(out.map((x) => x.task)).toEqual(['threatCategory', 'severity']);
    expect(out[0]).toMatchObject({ n: 10, accuracy: 0.9, macroF1: 0.85, accuracyInterval: { low: 0.8, high: 1, method: 'wilson' }, confusion: { labels: ['a', 'b'] } });
  });

  it('reads an object keyed by task and a single-task object', () => {
    expect(normalizeMetrics({ severity: m('x', 0.5) }).map((x) => x.task)).toEqual(['severity']);
    expect(normalizeMetrics({ accuracy: 0.4 })).toEqual([expect.objectContaining({ task: 'all', accuracy: 0.4, confusion: null })]);
  });

  it('drops malformed confusion matrices and non-numbers instead of failing', () => {
    const out = normalizeMetrics([{ task: 't', accuracy: 'high', confusion: { labels: ['a', 'b'], matrix: [[1]] } }]);
    expect(out[0]).toMatchObject({ accuracy: null, confusion: null, accuracyInterval: null });
    expect(normalizeMetrics(null)).toEqual([]);
    expect(normalizeMetrics('x')).toEqual([]);
  });
});
