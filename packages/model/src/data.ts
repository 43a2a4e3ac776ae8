import type { Tokenizer } from './model-types.ts';
import { Rng, mixSeed } from './rng.ts';

/** OpenSOC-AI prompt (everything up to and including the response header). */
export function formatPrompt(instruction: string, input: string): string {
  return `### Instruction:\n${instruction}\n\n### Input:\n${input}\n\n### Response:\n`;
}

export const DEFAULT_STOP_SEQUENCES = ['### Input:', '### Instruction:'];

export interface InstructionExample {
  instruction: string;
  input: string;
  output: string;
}
export interface TextExample {
  text: string;
}
/** Pre-tokenised example: loss on responseIds only (no BOS/EOS added). */
export interface TokenizedExample {
  promptIds: number[];
  responseIds: number[];
}
export type TrainExample = InstructionExample | TextExample | TokenizedExample;

/** A tokenised example: `targets[t] = 1` where token t is predicted (loss counted) from position t−1. */
export interface EncodedExample {
  ids: number[];
  targets: Uint8Array;
}

/**
 * Token ids of prompt and prompt+continuation such that continuation ids follow the prompt ids exactly.
 * Encodes the joint string; if its prefix differs from the prompt's own encoding (tokenizer merges across the
 * boundary), falls back to prompt ids + separately encoded continuation.
 */
export function encodePromptContinuation(tok: Tokenizer, prompt: string, continuation: string): { promptIds: number[]; contIds: number[] } {
  const promptIds = tok.encode(prompt, { addBos: true });
  const full = tok.encode(prompt + continuation, { addBos: true });
  let same = full.length >= promptIds.length;
  for (let i = 0; same && i < promptIds.length; i++) if (full[i] !== promptIds[i]) same = false;
  const contIds = same ? full.slice(promptIds.length) : tok.encode(continuation, { addBos: false });
  return { promptIds, contIds };
}

/**
 * Encode a training example. Instruction examples: loss on response tokens + EOS only. Text examples (full
 * pretraining): BOS + text + EOS with loss on every token after BOS. When an instruction example exceeds
 * maxLen, the log (`input`) is shortened first (binary search on its length, template kept intact) so that
 * the response survives; only if the template and response alone are too long is the sequence cut at the right.
 */
export function encodeExample(tok: Tokenizer, ex: TrainExample, maxLen: number): EncodedExample {
  let ids: number[];
  let firstTarget: number;
  if ('text' in ex) {
    ids = [...tok.encode(ex.text, { addBos: true }), tok.eosId];
    firstTarget = 1;
  } else if ('promptIds' in ex) {
    ids = [...ex.promptIds, ...ex.responseIds];
    firstTarget = ex.promptIds.length;
  } else {
    const enc = (input: string) => {
      const { promptIds, contIds } = encodePromptContinuation(tok, formatPrompt(ex.instruction, input), ex.output);
      return { ids: [...promptIds, ...contIds, tok.eosId], firstTarget: promptIds.length };
    };
    let r = enc(ex.input);
    if (r.ids.length > maxLen) {
      let lo = 0;
      let hi = ex.input.length;
      let best = enc('');
      while (lo < hi) {
        const mid = Math.ceil((lo + hi) / 2);
        const c = enc(ex.input.slice(0, mid));
        if (c.ids.length <= maxLen) {
          best = c;
          lo = mid;
        } else hi = mid - 1;
      }
      r = best;
    }
    ids = r.ids;
    firstTarget = r.firstTarget;
  }
  if (ids.length > maxLen) ids = ids.slice(0, maxLen);
  const targets = new Uint8Array(ids.length);
  for (let t = Math.max(1, firstTarget); t < ids.length; t++) targets[t] = 1;
  return { ids, targets };
}

export interface Batch {
  ids: Int32Array; // B×T, right-padded
  attentionMask: Int32Array;
  batch: number;
  seqLen: number;
  /** flat positions b*T+t whose logits predict a target (token t+1) */
  select: Int32Array;
  labels: Int32Array;
  numTokens: number; // real tokens
  numExamples: number;
}

export function collate(examples: EncodedExample[], padId: number): Batch {
  const B = examples.length;
  const T = Math.max(...examples.map((e) => e.ids.length));
  const ids = new Int32Array(B * T).fill(padId);
  const mask = new Int32Array(B * T);
  const sel: number[] = [];
  const lab: number[] = [];
  let numTokens = 0;
  examples.forEach((e, b) => {
    for (let t = 0; t < e.ids.length; t++) {
      ids[b * T + t] = e.ids[t];
      mask[b * T + t] = 1;
    }
    numTokens += e.ids.length;
    for (let t = 1; t < e.ids.length; t++)
      if (e.targets[t]) {
        sel.push(b * T + t - 1);
        lab.push(e.ids[t]);
      }
  });
  return { ids, attentionMask: mask, batch: B, seqLen: T, select: Int32Array.from(sel), labels: Int32Array.from(lab), numTokens, numExamples: B };
}

/**
 * Padding-aware batch order for one epoch, a pure function of (seed, epoch): shuffle, then within windows of
 * `bucketWindow` batches sort by length so batches hold similar lengths, then shuffle the batches.
 */
export function epochBatches(lengths: number[], batchSize: number, seed: number, epoch: number, bucketWindow = 8): number[][] {
  const rng = new Rng(mixSeed(seed, epoch, 0x0da7a));
  const idx = rng.shuffle([...lengths.keys()]);
  const win = batchSize * bucketWindow;
  const batches: number[][] = [];
  for (let s = 0; s < idx.length; s += win) {
    const chunk = idx.slice(s, s + win).sort((a, b) => lengths[b] - lengths[a] || a - b);
    for (let j = 0; j < chunk.length; j += batchSize) batches.push(chunk.slice(j, j + batchSize));
  }
  return rng.shuffle(batches);
}
