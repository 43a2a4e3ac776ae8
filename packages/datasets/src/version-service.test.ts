import { describe, expect, it } from 'vitest';
import { sha256Hex } from './canonical.ts';
import { rec } from './testing.ts';
import { publishDatasetVersion } from './version-service.ts';
import type { DatasetObjectStore, DatasetVersionIndex, DatasetVersionRow } from './version-service.ts';

/** Small in-memory implementations of the two interfaces (not mocks: they behave like the real thing). */
function memory() {
  const objects = new Map<string, Uint8Array>();
  const rows: DatasetVersionRow[] = [];
  let puts = 0;
  const store: DatasetObjectStore = {
    exists: async (key) => objects.has(key),
    put: async (key, bytes) => {
      puts++;
      objects.set(key, bytes);
    },
  };
  const index: DatasetVersionIndex = {
    find: async (name, hash) => rows.find((r) => r.name === name && r.hash === hash),
    insert: async (row) => {
      if (!rows.some((r) => r.name === row.name && r.hash === row.hash)) rows.push(row);
    },
  };
  return { store, index, objects, rows, puts: () => puts };
}

describe('publishDatasetVersion', () => {
  it('stores content-addressed bytes and one index row, idempotently', async () => {
    const m = memory();
    const first = await publishDatasetVersion(m, 'demo', [rec('b'), rec('a')]);
    expect(first.created).toBe(true);
    expect(first.objectKey).toBe(`datasets/demo/${first.hash}.jsonl`);
    expect(sha256Hex(m.objects.get(first.objectKey)!)).toBe(first.hash);
    const again = await publishDatasetVersion(m, 'demo', [rec('a'), rec('b')]);
    expect(again).toMatchObject({ created: false, hash: first.hash });
    expect(m.rows).toHaveLength(1);
    expect(m.puts()).toBe(1);
  });
  it('completes a version whose object was written but whose row was not (retry after a crash)', async () => {
    const m = memory();
    const v = await publishDatasetVersion(m, 'demo', [rec('a')]);
    m.rows.length = 0;
    const retry = await publishDatasetVersion(m, 'demo', [rec('a')]);
    expect(retry.created).toBe(true);
    expect(m.rows.map((r) => r.hash)).toEqual([v.hash]);
    expect(m.puts()).toBe(1);
  });
  it('refuses invalid data before touching storage', async () => {
    const m = memory();
    await expect(publishDatasetVersion(m, 'demo', [rec('a', { threatCategory: 'nope' as never })])).rejects.toThrow(/threatCategory/);
    expect(m.puts()).toBe(0);
  });
});
