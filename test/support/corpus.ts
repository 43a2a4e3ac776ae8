import { readFileSync } from 'node:fs';
import path from 'node:path';
import { UNKNOWN_LABEL, type DatasetRecord } from '@opensoc/contracts';
import { repoRoot } from './services.ts';

/** The bundled corpus (datasets/soc-corpus.jsonl). */
export function bundledCorpus(): DatasetRecord[] {
  return readFileSync(path.join(repoRoot, 'datasets', 'soc-corpus.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

/** A deterministic subset with every category: the first `perCategory` records of each, by id. */
export function corpusSample(perCategory: number): DatasetRecord[] {
  const byCategory = new Map<string, DatasetRecord[]>();
  for (const r of bundledCorpus().sort((a, b) => (a.id < b.id ? -1 : 1))) {
    const list = byCategory.get(r.threatCategory ?? UNKNOWN_LABEL) ?? [];
    if (list.length < perCategory) list.push(r);
    byCategory.set(r.threatCategory ?? UNKNOWN_LABEL, list);
  }
  return [...byCategory.values()].flat();
}
