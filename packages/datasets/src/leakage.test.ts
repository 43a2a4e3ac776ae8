import { describe, expect, it } from 'vitest';
import { jaccard, leakageReport, shingles, templateClusters } from './leakage.ts';
import { materializeSplit } from './splits.ts';
import { rec } from './testing.ts';
import { Rng } from './prng.ts';

const r = (id: string, log: string, threatCategory: 'benign' | 'sql-injection' = 'benign') => ({ id, log, threatCategory });

describe('leakageReport', () => {
  it('counts exact duplicates, shared templates and near duplicates, per category', () => {
    const train = [
      r('t1', '10.0.0.1 GET /index.html 200'),
      r('t2', 'GET /products.php?id=1 UNION SELECT username,password FROM users-- 200', 'sql-injection'),
      r('t3', 'user alice logged in to the billing portal from the main office building network'),
    ];
    const test = [
      r('e1', '10.0.0.1 GET /index.html 200'), // exact
      r('e2', '10.9.9.9 GET /index.html 404'), // same template
      r('e3', 'user alice logged in to the billing portal from the main office building networks'), // near
      r('e4', "GET /search?q=' OR '1'='1 -- 500", 'sql-injection'), // new
    ];
    const rep = leakageReport(train, test);
    expect(rep.totals).toEqual({ testRecords: 4, exactDuplicates: 1, digitMaskedDuplicates: 2, sharedTemplate: 2, nearDuplicates: 3, leaked: 3 });
    expect(rep.byCategory['sql-injection']).toMatchObject({ testRecords: 1, leaked: 0 });
    expect(rep.byCategory.benign).toMatchObject({ testRecords: 3, leaked: 3 });
    expect(rep.examples.map((e) => [e.testId, e.kind])).toEqual([['e1', 'exact'], ['e2', 'template'], ['e3', 'near']]);
  });

  it('finds near duplicates at the threshold and not below it', () => {
    const a = 'abcdefghijklmnopqrstuvwxyz0123456789'.replace(/\d/g, 'x');
    const sim = jaccard(shingles(a), shingles(a + 'Q'));
    expect(sim).toBeGreaterThan(0.9);
    expect(leakageReport([r('a', a)], [r('b', a + 'Q')], { threshold: sim }).totals.nearDuplicates).toBe(1);
    expect(leakageReport([r('a', a)], [r('b', a + 'Q')], { threshold: Math.min(1, sim + 0.01) }).totals.nearDuplicates).toBe(0);
  });

  it('handles 5,000 x 5,000 varied records in seconds', () => {
    const rng = new Rng(7);
    const words = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet', 'kilo', 'lima', 'mike', 'november'];
    const make = (prefix: string) =>
      Array.from({ length: 5000 }, (_, i) => r(`${prefix}${i}`, Array.from({ length: 12 }, () => rng.pick(words)).join(' ') + ` ${rng.int(1, 1e6)}`));
    const started = Date.now();
    const rep = leakageReport(make('a'), make('b'));
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(rep.totals.testRecords).toBe(5000);
  });
});

describe('templateClusters', () => {
  it('joins near-duplicate templates transitively and keeps distinct ones apart', () => {
    const base = 'user alice logged in to the billing portal from the main office building network';
    const records = [
      { id: 'a', log: base },
      { id: 'b', log: base + 's' },
      { id: 'c', log: base + 'ss' },
      { id: 'd', log: 'GET /search?q=<script>alert(1)</script> HTTP/1.1' },
      { id: 'e', log: 'GET /search?q=<script>alert(2)</script> HTTP/1.1' },
    ];
    const c = templateClusters(records);
    expect(c.get('a')).toBe(c.get('b'));
    expect(c.get('b')).toBe(c.get('c'));
    expect(c.get('d')).toBe(c.get('e'));
    expect(c.get('a')).not.toBe(c.get('d'));
  });
  it('as a split grouping, keeps near duplicates on one side of every fold', () => {
    const rng = new Rng(11);
    const stems = Array.from({ length: 40 }, (_, i) => `event ${'abcdefghij'[i % 10]!.repeat(3)} stem${'xyz'[i % 3]} ${['alpha', 'bravo', 'charlie', 'delta'][i % 4]} `.repeat(3) + i.toString(36).repeat(4));
    const records = Array.from({ length: 200 }, (_, i) => rec(`r${i}`, { log: rng.pick(stems) + (rng.chance(0.5) ? 'Z' : '') }));
    const clusters = templateClusters(records);
    const split = materializeSplit(records, { kind: 'template-grouped-kfold', k: 4, seed: 1 }, { groupOf: (r) => clusters.get(r.id)! });
    const byId = new Map(records.map((r) => [r.id, r]));
    for (const f of split.manifest.folds) {
      expect(leakageReport(f.trainIds.map((id) => byId.get(id)!), f.testIds.map((id) => byId.get(id)!)).totals.nearDuplicates).toBe(0);
    }
  });
});
