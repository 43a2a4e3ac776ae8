import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { materializeSplit } from '../splits.ts';
import { readJsonlDataset } from '../validate.ts';

const CORPUS = fileURLToPath(new URL('../../../../datasets/atomic-red-team/atomic-red-team.jsonl', import.meta.url));

describe('bundled Atomic Red Team corpus', () => {
  it('validates, and template-grouped folds keep every rendering of one atomic test together', async () => {
    const records = await readJsonlDataset(CORPUS);
    expect(records.length).toBeGreaterThan(3000);
    expect(records.every((r) => r.provenance.group !== undefined)).toBe(true);
    const { manifest } = materializeSplit(records, { kind: 'template-grouped-kfold', k: 5, seed: 1 });
    const foldOf = new Map<string, number>();
    manifest.folds.forEach((f, i) => f.testIds.forEach((id) => foldOf.set(id, i)));
    const groupFolds = new Map<string, Set<number>>();
    for (const r of records) groupFolds.set(r.provenance.group!, (groupFolds.get(r.provenance.group!) ?? new Set()).add(foldOf.get(r.id)!));
    expect([...groupFolds.values()].filter((s) => s.size > 1)).toEqual([]);
    expect(groupFolds.size).toBeGreaterThan(1000);
  });
});
