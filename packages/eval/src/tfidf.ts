/**
 * Character n-gram TF-IDF over a fixed vocabulary budget: n-grams are hashed (FNV-1a, so no
 * substring is ever allocated), the `vocabulary` most document-frequent hashes seen in at least
 * `minDf` training logs become the columns, and rows are sparse and L2-normalised. The budget
 * bounds memory and the work per row whatever the corpus size.
 */

export interface CharNgramOptions {
  /** n-gram lengths, inclusive (default 2..4). */
  minN?: number;
  maxN?: number;
  /** Hash space, a power of two (default 2^18): n-grams are counted here before the vocabulary is chosen. */
  features?: number;
  /** Columns kept: the most document-frequent hashed n-grams (default 20,000). */
  vocabulary?: number;
  /** A column must occur in at least this many training logs (default 2; 1 keeps singletons). */
  minDf?: number;
  /** Logs are truncated to this many characters (default 1000; long multi-line logs repeat themselves). */
  maxChars?: number;
}
export type ResolvedCharNgramOptions = Required<CharNgramOptions>;

export const resolveCharNgramOptions = (o: CharNgramOptions = {}): ResolvedCharNgramOptions => {
  const r = { minN: 2, maxN: 4, features: 1 << 18, vocabulary: 20_000, minDf: 2, maxChars: 1000, ...o };
  if ((r.features & (r.features - 1)) !== 0 || r.features <= 0) throw new Error('features must be a power of two');
  if (!(r.minN >= 1 && r.maxN >= r.minN)) throw new Error('need 1 <= minN <= maxN');
  return r;
};

/** Sparse row: column indices (ascending) and values. */
export interface SparseRow {
  idx: Int32Array;
  val: Float64Array;
}

/** FNV-1a 32-bit hash of a string: stable across runs and platforms. */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Calls emit(hash) for every character n-gram of the text; each hash equals fnv1a(n-gram) masked to the space. */
function forEachNgram(log: string, o: ResolvedCharNgramOptions, emit: (h: number) => void): void {
  const text = log.length > o.maxChars ? log.slice(0, o.maxChars).toLowerCase() : log.toLowerCase();
  const mask = o.features - 1;
  for (let i = 0; i < text.length; i++) {
    let h = 0x811c9dc5;
    for (let n = 1; n <= o.maxN && i + n <= text.length; n++) {
      h ^= text.charCodeAt(i + n - 1);
      h = Math.imul(h, 0x01000193);
      if (n >= o.minN) emit((h >>> 0) & mask);
    }
  }
}

/** TF-IDF: sublinear tf (1 + ln tf), smooth idf ln((1+N)/(1+df)) + 1, rows L2-normalised (as scikit-learn). */
export class CharNgramTfidf {
  readonly options: ResolvedCharNgramOptions;
  /** hash -> column, or -1 outside the vocabulary. */
  private readonly column: Int32Array;
  private readonly idf: Float64Array;
  readonly size: number;
  private readonly scratch: Float64Array;
  private readonly touched: number[] = [];

  constructor(docs: readonly string[], options: CharNgramOptions = {}) {
    const o = (this.options = resolveCharNgramOptions(options));
    const df = new Int32Array(o.features);
    const lastDoc = new Int32Array(o.features).fill(-1);
    docs.forEach((d, doc) => forEachNgram(d, o, (h) => {
      if (lastDoc[h] !== doc) { lastDoc[h] = doc; df[h]!++; }
    }));
    const minDf = Math.max(1, o.minDf);
    const candidates: number[] = [];
    for (let h = 0; h < o.features; h++) if (df[h]! >= minDf) candidates.push(h);
    // Most frequent first; ties by hash, so the vocabulary is deterministic.
    candidates.sort((a, b) => df[b]! - df[a]! || a - b);
    const kept = candidates.slice(0, o.vocabulary).sort((a, b) => a - b);
    this.column = new Int32Array(o.features).fill(-1);
    this.idf = new Float64Array(kept.length);
    kept.forEach((h, c) => {
      this.column[h] = c;
      this.idf[c] = Math.log((1 + docs.length) / (1 + df[h]!)) + 1;
    });
    this.size = kept.length;
    this.scratch = new Float64Array(kept.length);
  }

  transform(doc: string): SparseRow {
    const counts = this.scratch;
    const touched = this.touched;
    touched.length = 0;
    forEachNgram(doc, this.options, (h) => {
      const c = this.column[h]!;
      if (c < 0) return;
      if (counts[c] === 0) touched.push(c);
      counts[c]!++;
    });
    touched.sort((a, b) => a - b);
    const idx = Int32Array.from(touched);
    const val = new Float64Array(idx.length);
    let norm = 0;
    for (let i = 0; i < idx.length; i++) {
      const c = idx[i]!;
      const v = (1 + Math.log(counts[c]!)) * this.idf[c]!;
      counts[c] = 0;
      val[i] = v;
      norm += v * v;
    }
    norm = Math.sqrt(norm);
    if (norm > 0) for (let i = 0; i < val.length; i++) val[i]! /= norm;
    return { idx, val };
  }
}
