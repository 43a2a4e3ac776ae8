import * as tf from '@tensorflow/tfjs-core';
import { KVCache } from './llama.ts';
import type { LlamaForCausalLM } from './llama.ts';
import type { Tokenizer } from './model-types.ts';
import { DEFAULT_STOP_SEQUENCES, encodePromptContinuation, formatPrompt } from './data.ts';
import { labelLogProbs } from './ops.ts';
import { Rng } from './rng.ts';

export interface GenerateOptions {
  maxNewTokens?: number;
  /** 0 (default) = greedy. */
  temperature?: number;
  topK?: number;
  topP?: number;
  seed?: number;
  /** Generation stops when any appears in the decoded text; it is cut from the output. Default: `### Input:`, `### Instruction:`. */
  stopSequences?: string[];
  /** Stop at the EOS token (default true). */
  stopAtEos?: boolean;
  /** Use the KV cache (default true); false recomputes the whole prefix each step (benchmarks). */
  useCache?: boolean;
  /** Prompts per forward batch (default 8). */
  batchSize?: number;
}

export interface GenerateResult {
  text: string;
  tokenIds: number[];
  finishReason: 'eos' | 'stop' | 'length';
}

function sampleRow(row: Float32Array, temperature: number, topK: number, topP: number, rng: Rng): number {
  if (!(temperature > 0)) {
    let best = 0;
    for (let i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
    return best;
  }
  let idx = [...row.keys()];
  if (topK > 0 && topK < row.length) idx = idx.sort((a, b) => row[b] - row[a] || a - b).slice(0, topK);
  else idx.sort((a, b) => row[b] - row[a] || a - b);
  const mx = row[idx[0]];
  let probs = idx.map((i) => Math.exp((row[i] - mx) / temperature));
  let z = probs.reduce((a, b) => a + b, 0);
  probs = probs.map((p) => p / z);
  if (topP > 0 && topP < 1) {
    let c = 0;
    let k = 0;
    while (k < probs.length && c < topP) c += probs[k++];
    idx = idx.slice(0, Math.max(1, k));
    probs = probs.slice(0, Math.max(1, k));
    z = probs.reduce((a, b) => a + b, 0);
    probs = probs.map((p) => p / z);
  }
  let u = rng.next();
  for (let i = 0; i < probs.length; i++) {
    u -= probs[i];
    if (u < 0) return idx[i];
  }
  return idx[idx.length - 1];
}

function findStop(text: string, stops: string[]): number {
  let at = -1;
  for (const s of stops) {
    const i = text.indexOf(s);
    if (i >= 0 && (at < 0 || i < at)) at = i;
  }
  return at;
}

/** Generate continuations for raw prompt strings (BOS added). Logits are computed only at the last position. */
export async function generate(model: LlamaForCausalLM, tok: Tokenizer, prompts: string[], opts: GenerateOptions = {}): Promise<GenerateResult[]> {
  const bs = opts.batchSize ?? 8;
  const out: GenerateResult[] = [];
  const rng = new Rng(opts.seed ?? 0);
  for (let s = 0; s < prompts.length; s += bs) {
    out.push(...generateBatch(model, tok, prompts.slice(s, s + bs), opts, rng));
    await new Promise<void>((r) => setImmediate(r));
  }
  return out;
}

function generateBatch(model: LlamaForCausalLM, tok: Tokenizer, prompts: string[], opts: GenerateOptions, rng: Rng): GenerateResult[] {
  const maxNew = opts.maxNewTokens ?? 128;
  const temperature = opts.temperature ?? 0;
  const topK = opts.topK ?? 0;
  const topP = opts.topP ?? 1;
  const stops = opts.stopSequences ?? DEFAULT_STOP_SEQUENCES;
  const stopAtEos = opts.stopAtEos ?? true;
  const useCache = opts.useCache ?? true;
  const B = prompts.length;
  const maxCtx = model.config.maxPositionEmbeddings;
  // Prompts longer than the context leave room for maxNew tokens by dropping their oldest tokens (BOS kept).
  const keep = Math.max(2, maxCtx - maxNew);
  const enc = prompts.map((p) => {
    const ids = tok.encode(p, { addBos: true });
    return ids.length > keep ? [ids[0], ...ids.slice(ids.length - keep + 1)] : ids;
  });
  const gen: number[][] = prompts.map(() => []);
  const done: (GenerateResult['finishReason'] | null)[] = prompts.map(() => null);
  const texts: string[] = prompts.map(() => '');
  const cache = useCache ? new KVCache(model.config.numHiddenLayers, B) : null;
  try {
    // left-padded prompt batch
    const P = Math.max(...enc.map((e) => e.length));
    let ids = new Int32Array(B * P).fill(tok.padId);
    let mask = new Int32Array(B * P);
    enc.forEach((e, b) => {
      const off = P - e.length;
      for (let t = 0; t < e.length; t++) {
        ids[b * P + off + t] = e[t];
        mask[b * P + off + t] = 1;
      }
    });
    let T = P;
    // full-sequence state for the no-cache path
    let seqIds = Array.from(ids);
    let seqMask = Array.from(mask);
    for (let step = 0; step < maxNew; step++) {
      if (P + step >= maxCtx) break;
      const logits = tf.tidy(() => model.forward({ ids, batch: B, seqLen: T, attentionMask: mask, select: 'last', cache: cache ?? undefined }));
      const data = logits.dataSync() as Float32Array;
      logits.dispose();
      const V = model.config.vocabSize;
      const next = new Int32Array(B);
      for (let b = 0; b < B; b++) {
        if (done[b]) {
          next[b] = tok.padId;
          continue;
        }
        const tokId = sampleRow(data.subarray(b * V, (b + 1) * V), temperature, topK, topP, rng);
        next[b] = tokId;
        if (stopAtEos && tokId === tok.eosId) {
          done[b] = 'eos';
          continue;
        }
        gen[b].push(tokId);
        texts[b] = tok.decode(gen[b]);
        if (stops.length && findStop(texts[b], stops) >= 0) done[b] = 'stop';
      }
      if (done.every((d) => d)) break;
      if (cache) {
        ids = next;
        mask = new Int32Array(B).fill(1);
        T = 1;
      } else {
        const L = seqIds.length / B;
        const nIds: number[] = [];
        const nMask: number[] = [];
        for (let b = 0; b < B; b++) {
          nIds.push(...seqIds.slice(b * L, (b + 1) * L), next[b]);
          nMask.push(...seqMask.slice(b * L, (b + 1) * L), 1);
        }
        seqIds = nIds;
        seqMask = nMask;
        ids = Int32Array.from(seqIds);
        mask = Int32Array.from(seqMask);
        T = L + 1;
      }
    }
  } finally {
    cache?.dispose();
  }
  return prompts.map((_, b) => {
    let text = texts[b];
    const at = findStop(text, stops);
    if (at >= 0) text = text.slice(0, at);
    return { text: text.trimEnd(), tokenIds: gen[b], finishReason: done[b] ?? 'length' };
  });
}

/** Generate the response for one log with the OpenSOC-AI prompt. */
export async function generateResponse(model: LlamaForCausalLM, tok: Tokenizer, instruction: string, log: string, opts: GenerateOptions = {}): Promise<GenerateResult> {
  return (await generate(model, tok, [formatPrompt(instruction, log)], opts))[0];
}

export interface LabelScores {
  /** index of the best candidate */
  best: number;
  label: string;
  /** summed log-likelihood of each candidate's tokens given the prompt */
  scores: number[];
  /** per-token mean log-likelihood */
  meanScores: number[];
  tokenCounts: number[];
}

export interface ScoreOptions {
  /** rank by 'sum' (default) or per-token 'mean' log-likelihood */
  normalize?: 'sum' | 'mean';
  /** candidates per forward batch (default all) */
  batchSize?: number;
  /** append EOS to every candidate (scores the answer as complete). Default false. */
  appendEos?: boolean;
}

/**
 * Label scoring: log-likelihood of each candidate continuation given the prompt. The prompt is run once
 * (KV cache) and the candidates are scored in a batch against the shared prefix.
 */
export function scoreLabels(model: LlamaForCausalLM, tok: Tokenizer, prompt: string, candidates: string[], opts: ScoreOptions = {}): LabelScores {
  return scoreLabelSets(model, tok, prompt, { labels: candidates }, opts).labels;
}

/**
 * Several candidate sets for one prompt (e.g. severity, technique and threat type of one log) with a single
 * prompt prefill: the prompt's KV cache is shared by every set.
 */
export function scoreLabelSets<K extends string>(
  model: LlamaForCausalLM,
  tok: Tokenizer,
  prompt: string,
  sets: Record<K, string[]>,
  opts: ScoreOptions = {},
): Record<K, LabelScores> {
  const names = Object.keys(sets) as K[];
  for (const n of names) if (sets[n].length === 0) throw new Error(`scoreLabels: no candidates in set '${n}'`);
  const L = model.config.numHiddenLayers;
  const conts: Record<string, number[][]> = {};
  let promptIds = tok.encode(prompt, { addBos: true });
  for (const n of names) {
    conts[n] = sets[n].map((c) => {
      const p = encodePromptContinuation(tok, prompt, c).contIds;
      return opts.appendEos ? [...p, tok.eosId] : p;
    });
  }
  // keep prompt + longest candidate inside the context: drop the prompt's oldest tokens (BOS kept)
  const longest = Math.max(...names.flatMap((n) => conts[n].map((c) => c.length)));
  const room = model.config.maxPositionEmbeddings - longest;
  if (room < 2) throw new Error('scoreLabels: a candidate is longer than the model context');
  if (promptIds.length > room) promptIds = [promptIds[0], ...promptIds.slice(promptIds.length - room + 1)];
  const out = {} as Record<K, LabelScores>;
  const prefix = new KVCache(L, 1);
  try {
    const lp0T = tf.tidy(() => tf.logSoftmax(model.forward({ ids: promptIds, batch: 1, seqLen: promptIds.length, select: 'last', cache: prefix })));
    const lp0 = lp0T.dataSync() as Float32Array;
    lp0T.dispose();
    for (const n of names) out[n] = scoreAgainstPrefix(model, tok, prefix, lp0, sets[n], conts[n], opts);
  } finally {
    prefix.dispose();
  }
  return out;
}

/**
 * Label scoring along a growing context: the context's KV cache is computed once and extended
 * with `append`, so choosing several fields one after another (each given the previous choices)
 * costs one pass over the prompt instead of one per field. Dispose when done.
 */
export class IncrementalScorer {
  private readonly cache: KVCache;
  private lp: Float32Array;
  /** Appended tokens not yet run: they go through the model together, right before the next score. */
  private pending: number[] = [];
  /**
   * `contextIds` are scored after `prefix` when given: a cache of tokens many contexts share (e.g. the
   * instruction every prompt starts with), computed once and copied here instead of recomputed.
   */
  constructor(private readonly model: LlamaForCausalLM, private readonly tok: Tokenizer, contextIds: number[], prefix?: KVCache) {
    if (prefix && contextIds.length === 0) throw new Error('IncrementalScorer: a prefix needs at least one more context token');
    this.cache = prefix ? prefix.clone() : new KVCache(model.config.numHiddenLayers, 1);
    this.lp = this.advance(contextIds);
  }
  private advance(ids: number[]): Float32Array {
    if (this.cache.length + ids.length > this.model.config.maxPositionEmbeddings) throw new Error('IncrementalScorer: context longer than the model allows');
    const t = tf.tidy(() => tf.logSoftmax(this.model.forward({ ids, batch: 1, seqLen: ids.length, select: 'last', cache: this.cache })));
    const lp = t.dataSync() as Float32Array;
    t.dispose();
    return lp;
  }
  /** Appends tokens to the context (run lazily: one forward pass per score, however many appends came before). */
  append(ids: number[]): void {
    this.pending.push(...ids);
  }
  /** Scores continuations of the current context (the context is not changed). */
  score(conts: number[][], opts: ScoreOptions = {}): LabelScores {
    if (conts.length === 0) throw new Error('IncrementalScorer: no candidates');
    if (this.pending.length > 0) {
      this.lp = this.advance(this.pending);
      this.pending = [];
    }
    return scoreAgainstPrefix(this.model, this.tok, this.cache, this.lp, conts.map((_, i) => String(i)), conts, opts);
  }
  dispose(): void {
    this.cache.dispose();
  }
}

/**
 * Label scoring on token ids: the log-likelihood of each continuation given the context ids
 * (BOS included by the caller). For callers that tokenize once and reuse candidate ids.
 */
export function scoreContinuationIds(model: LlamaForCausalLM, tok: Tokenizer, contextIds: number[], conts: number[][], opts: ScoreOptions = {}): LabelScores {
  if (conts.length === 0) throw new Error('scoreContinuationIds: no candidates');
  const longest = Math.max(...conts.map((c) => c.length));
  const room = model.config.maxPositionEmbeddings - longest;
  if (room < 2) throw new Error('scoreContinuationIds: a candidate is longer than the model context');
  const ids = contextIds.length > room ? [contextIds[0], ...contextIds.slice(contextIds.length - room + 1)] : contextIds;
  const prefix = new KVCache(model.config.numHiddenLayers, 1);
  try {
    const lp0T = tf.tidy(() => tf.logSoftmax(model.forward({ ids, batch: 1, seqLen: ids.length, select: 'last', cache: prefix })));
    const lp0 = lp0T.dataSync() as Float32Array;
    lp0T.dispose();
    return scoreAgainstPrefix(model, tok, prefix, lp0, conts.map((_, i) => String(i)), conts, opts);
  } finally {
    prefix.dispose();
  }
}

function scoreAgainstPrefix(
  model: LlamaForCausalLM,
  tok: Tokenizer,
  prefix: KVCache,
  lp0: Float32Array,
  candidates: string[],
  conts: number[][],
  opts: ScoreOptions,
): LabelScores {
  const L = model.config.numHiddenLayers;
  const scores = conts.map((c) => (c.length ? lp0[c[0]] : 0));
  const bs = opts.batchSize ?? candidates.length;
  for (let s = 0; s < candidates.length; s += bs) {
    const idxs = [...Array(Math.min(bs, candidates.length - s)).keys()].map((k) => s + k).filter((i) => conts[i].length > 1);
    if (idxs.length === 0) continue;
    const B = idxs.length;
    const Tc = Math.max(...idxs.map((i) => conts[i].length)) - 1; // the last token needs no logits
    const ids = new Int32Array(B * Tc).fill(tok.padId);
    const mask = new Int32Array(B * Tc);
    const sel: number[] = [];
    const lab: number[] = [];
    const owner: number[] = [];
    idxs.forEach((ci, b) => {
      const c = conts[ci];
      for (let t = 0; t < c.length - 1; t++) {
        ids[b * Tc + t] = c[t];
        mask[b * Tc + t] = 1;
        sel.push(b * Tc + t);
        lab.push(c[t + 1]);
        owner.push(ci);
      }
    });
    const cache = new KVCache(L, B);
    try {
      for (let l = 0; l < L; l++) {
        // (concat of B copies: wasm's Tile kernel is several times slower)
        cache.k[l] = (B === 1 ? tf.clone(prefix.k[l]!) : tf.concat(new Array<tf.Tensor4D>(B).fill(prefix.k[l]!), 0)) as tf.Tensor4D;
        cache.v[l] = (B === 1 ? tf.clone(prefix.v[l]!) : tf.concat(new Array<tf.Tensor4D>(B).fill(prefix.v[l]!), 0)) as tf.Tensor4D;
      }
      cache.mask = Array.from({ length: B }, () => prefix.mask[0].slice());
      cache.nextPos = new Array(B).fill(prefix.nextPos[0]);
      const lpT = tf.tidy(() => labelLogProbs(model.forward({ ids, batch: B, seqLen: Tc, attentionMask: mask, select: sel, cache }), lab));
      const lp = lpT.dataSync() as Float32Array;
      lpT.dispose();
      lp.forEach((v, k) => (scores[owner[k]] += v));
    } finally {
      cache.dispose();
    }
  }
  const tokenCounts = conts.map((c) => c.length);
  const meanScores = scores.map((x, i) => (tokenCounts[i] ? x / tokenCounts[i] : -Infinity));
  const rank = opts.normalize === 'mean' ? meanScores : scores;
  let best = 0;
  for (let i = 1; i < rank.length; i++) if (rank[i] > rank[best]) best = i;
  return { best, label: candidates[best], scores, meanScores, tokenCounts };
}

/** scoreLabels over many prompts (e.g. many logs), yielding to the event loop between records. */
export async function scoreLabelsBatch(model: LlamaForCausalLM, tok: Tokenizer, prompts: string[], candidates: string[], opts: ScoreOptions = {}): Promise<LabelScores[]> {
  const out: LabelScores[] = [];
  for (const p of prompts) {
    out.push(scoreLabels(model, tok, p, candidates, opts));
    await new Promise<void>((r) => setImmediate(r));
  }
  return out;
}
