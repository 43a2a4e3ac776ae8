import { UNKNOWN_LABEL, type DatasetRecord } from '@opensoc/contracts';
import { compareCodeUnits, normalizeNewlines } from './canonical.ts';
import { logTemplate, templateIdOf } from './template.ts';

type LeakRecord = Pick<DatasetRecord, 'id' | 'log' | 'threatCategory'>;

export interface LeakageCounts {
  testRecords: number;
  /** Test logs byte-identical (after newline normalization) to a training log. */
  exactDuplicates: number;
  /** Test logs equal to a training log once every digit run is replaced (the crudest template). */
  digitMaskedDuplicates: number;
  /** Test records whose log template also occurs in training. */
  sharedTemplate: number;
  /** Test records with a training record whose masked text has character 3-gram Jaccard >= threshold. */
  nearDuplicates: number;
  /** Test records with any of the three. */
  leaked: number;
}

export interface LeakageExample {
  testId: string;
  trainId: string;
  kind: 'exact' | 'template' | 'near';
  similarity: number;
}

export interface LeakageReport {
  threshold: number;
  trainRecords: number;
  totals: LeakageCounts;
  /** Keyed by the test record's threatCategory, sorted. */
  byCategory: Record<string, LeakageCounts>;
  /** Up to maxExamples pairs, the strongest kind per test record, sorted by test id. */
  examples: LeakageExample[];
}

export interface LeakageOptions {
  /** Jaccard threshold for near duplicates. Default 0.9. */
  threshold?: number;
  maxExamples?: number;
}

// MinHash with LSH banding: 16 bands x 8 rows. A pair at Jaccard 0.9 becomes a candidate with
// probability 1-(1-0.9^8)^16 > 0.9999; at 0.5 only ~6%. Candidates are then checked exactly.
const BANDS = 16;
const ROWS = 8;
const HASHES = BANDS * ROWS;

function fnv1a(s: string, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Sorted unique character 3-gram hashes; short strings become one shingle of themselves. */
export function shingles(text: string): Uint32Array {
  const set = new Set<number>();
  if (text.length < 3) set.add(fnv1a(text, 0, text.length));
  for (let i = 0; i + 3 <= text.length; i++) set.add(fnv1a(text, i, i + 3));
  return Uint32Array.from(set).sort();
}

/** Exact Jaccard of two sorted unique arrays. */
export function jaccard(a: Uint32Array, b: Uint32Array): number {
  let i = 0;
  let j = 0;
  let inter = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      inter++;
      i++;
      j++;
    } else if (a[i]! < b[j]!) i++;
    else j++;
  }
  const union = a.length + b.length - inter;
  return union === 0 ? 1 : inter / union;
}

function mix(x: number, seed: number): number {
  let h = (x ^ seed) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * MinHash signature bands. The k-th hash is a + k*b from two base hashes (Kirsch–Mitzenmacher),
 * which behaves like independent hashes for MinHash at a fraction of the cost.
 */
function bandKeys(sh: Uint32Array): string[] {
  const sig = new Uint32Array(HASHES).fill(0xffffffff);
  for (const x of sh) {
    const a = mix(x, 0x9e3779b1);
    const b = mix(x, 0x7f4a7c15) | 1;
    for (let k = 0; k < HASHES; k++) {
      const h = (a + Math.imul(k, b)) >>> 0;
      if (h < sig[k]!) sig[k] = h;
    }
  }
  const keys: string[] = [];
  for (let band = 0; band < BANDS; band++) keys.push(`${band}:${Array.from(sig.subarray(band * ROWS, (band + 1) * ROWS)).join(',')}`);
  return keys;
}

const maskDigits = (s: string) => s.replace(/\d+/g, '0');

const emptyCounts = (): LeakageCounts => ({ testRecords: 0, exactDuplicates: 0, digitMaskedDuplicates: 0, sharedTemplate: 0, nearDuplicates: 0, leaked: 0 });

/** Leakage between a training and a test set: exact duplicates, shared templates and near duplicates. */
export function leakageReport(train: readonly LeakRecord[], test: readonly LeakRecord[], options: LeakageOptions = {}): LeakageReport {
  const threshold = options.threshold ?? 0.9;
  const maxExamples = options.maxExamples ?? 50;

  const trainByLog = new Map<string, string>();
  const trainByTemplate = new Map<string, string>();
  const trainDigitMasked = new Set<string>();
  for (const r of train) {
    const log = normalizeNewlines(r.log);
    if (!trainByLog.has(log)) trainByLog.set(log, r.id);
    trainDigitMasked.add(maskDigits(log));
    const t = logTemplate(r.log);
    if (!trainByTemplate.has(t)) trainByTemplate.set(t, r.id);
  }
  // LSH index over distinct training templates only: templated data has far fewer of them than records.
  const trainTemplates = [...trainByTemplate.keys()];
  const trainShingles = trainTemplates.map(shingles);
  const buckets = new Map<string, number[]>();
  trainShingles.forEach((sh, idx) => {
    for (const key of bandKeys(sh)) {
      const list = buckets.get(key);
      if (list) list.push(idx);
      else buckets.set(key, [idx]);
    }
  });

  // Near-duplicate answer per distinct test template, so repeated templates are searched once.
  const nearCache = new Map<string, { trainId: string; similarity: number } | null>();
  const nearestFor = (template: string) => {
    if (nearCache.has(template)) return nearCache.get(template)!;
    const sh = shingles(template);
    const seen = new Set<number>();
    let best: { trainId: string; similarity: number } | null = null;
    for (const key of bandKeys(sh)) {
      for (const idx of buckets.get(key) ?? []) {
        if (seen.has(idx)) continue;
        seen.add(idx);
        const sim = jaccard(sh, trainShingles[idx]!);
        if (sim >= threshold && (!best || sim > best.similarity)) best = { trainId: trainByTemplate.get(trainTemplates[idx]!)!, similarity: sim };
      }
    }
    nearCache.set(template, best);
    return best;
  };

  const totals = emptyCounts();
  const byCategory = new Map<string, LeakageCounts>();
  const examples: LeakageExample[] = [];
  for (const r of [...test].sort((a, b) => compareCodeUnits(a.id, b.id))) {
    const cat = byCategory.get(r.threatCategory ?? UNKNOWN_LABEL) ?? emptyCounts();
    byCategory.set(r.threatCategory ?? UNKNOWN_LABEL, cat);
    const exactId = trainByLog.get(normalizeNewlines(r.log));
    const digitMasked = trainDigitMasked.has(maskDigits(normalizeNewlines(r.log)));
    const template = logTemplate(r.log);
    const templateId = trainByTemplate.get(template);
    // Equal templates have Jaccard 1, so they are near duplicates without a search.
    const near = templateId !== undefined ? { trainId: templateId, similarity: 1 } : nearestFor(template);
    for (const c of [totals, cat]) {
      c.testRecords++;
      if (exactId !== undefined) c.exactDuplicates++;
      if (digitMasked) c.digitMaskedDuplicates++;
      if (templateId !== undefined) c.sharedTemplate++;
      if (near) c.nearDuplicates++;
      if (exactId !== undefined || templateId !== undefined || near) c.leaked++;
    }
    if (examples.length < maxExamples) {
      if (exactId !== undefined) examples.push({ testId: r.id, trainId: exactId, kind: 'exact', similarity: 1 });
      else if (templateId !== undefined) examples.push({ testId: r.id, trainId: templateId, kind: 'template', similarity: 1 });
      else if (near) examples.push({ testId: r.id, trainId: near.trainId, kind: 'near', similarity: near.similarity });
    }
  }
  const byCategoryOut: Record<string, LeakageCounts> = {};
  for (const key of [...byCategory.keys()].sort(compareCodeUnits)) byCategoryOut[key] = byCategory.get(key)!;
  return { threshold, trainRecords: train.length, totals, byCategory: byCategoryOut, examples };
}

/**
 * Groups records whose masked templates are near duplicates (character 3-gram Jaccard >= threshold),
 * joined transitively (union-find). Returns record id -> cluster id (the smallest template id in it).
 * Splitting by these clusters keeps near duplicates, not only identical templates, on one side.
 */
export function templateClusters(records: readonly Pick<DatasetRecord, 'id' | 'log'>[], threshold = 0.9): Map<string, string> {
  const templateOfRecord = new Map<string, string>();
  const templates: string[] = [];
  const indexOf = new Map<string, number>();
  for (const r of records) {
    const t = logTemplate(r.log);
    templateOfRecord.set(r.id, t);
    if (!indexOf.has(t)) {
      indexOf.set(t, templates.length);
      templates.push(t);
    }
  }
  const parent = templates.map((_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]!]!;
      i = parent[i]!;
    }
    return i;
  };
  const sh = templates.map(shingles);
  const buckets = new Map<string, number[]>();
  sh.forEach((s, i) => {
    for (const key of bandKeys(s)) {
      const list = buckets.get(key);
      if (list) list.push(i);
      else buckets.set(key, [i]);
    }
  });
  const checked = new Set<string>();
  for (const members of buckets.values()) {
    for (let a = 0; a < members.length; a++) {
      for (let b = a + 1; b < members.length; b++) {
        const i = members[a]!;
        const j = members[b]!;
        const ri = find(i);
        const rj = find(j);
        if (ri === rj) continue;
        const key = i < j ? `${i},${j}` : `${j},${i}`;
        if (checked.has(key)) continue;
        checked.add(key);
        if (jaccard(sh[i]!, sh[j]!) >= threshold) parent[Math.max(ri, rj)] = Math.min(ri, rj);
      }
    }
  }
  const idOf = templates.map((t) => templateIdOf(t));
  const clusterName = new Map<number, string>();
  templates.forEach((_, i) => {
    const root = find(i);
    const current = clusterName.get(root);
    if (current === undefined || idOf[i]! < current) clusterName.set(root, idOf[i]!);
  });
  const out = new Map<string, string>();
  for (const [id, t] of templateOfRecord) out.set(id, clusterName.get(find(indexOf.get(t)!))!);
  return out;
}
