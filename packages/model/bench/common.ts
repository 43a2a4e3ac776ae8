import type { LlamaConfig } from '../src/io/config.ts';
import { Rng } from '../src/rng.ts';
import type { TokenizedExample } from '../src/data.ts';

/** The benchmark model: hidden 256, 4 layers, 8 heads / 4 KV heads, intermediate 688, vocab 32000. */
export const BENCH_CONFIG: LlamaConfig = {
  vocabSize: 32000,
  hiddenSize: 256,
  intermediateSize: 688,
  numHiddenLayers: 4,
  numAttentionHeads: 8,
  numKeyValueHeads: 4,
  headDim: 32,
  rmsNormEps: 1e-5,
  ropeTheta: 10000,
  maxPositionEmbeddings: 2048,
  tieWordEmbeddings: false,
  bosTokenId: 1,
  eosTokenId: 2,
};

/** SmolLM2-135M's shape (random weights): 30 layers, hidden 576, 9 heads / 3 KV heads, tied embeddings. */
export const SMOL135M_CONFIG: LlamaConfig = {
  vocabSize: 49152,
  hiddenSize: 576,
  intermediateSize: 1536,
  numHiddenLayers: 30,
  numAttentionHeads: 9,
  numKeyValueHeads: 3,
  headDim: 64,
  rmsNormEps: 1e-5,
  ropeTheta: 100000,
  maxPositionEmbeddings: 2048,
  tieWordEmbeddings: true,
  bosTokenId: 1,
  eosTokenId: 2,
};

/** The two benchmark shapes with their recipe (batch, loss positions), shared with torch_peft_bench.py. */
export const BENCH_SHAPES: Record<string, { config: LlamaConfig; batch: number; seqLen: number; responseLen: number }> = {
  small: { config: BENCH_CONFIG, batch: 8, seqLen: 256, responseLen: 128 },
  smol135m: { config: SMOL135M_CONFIG, batch: 4, seqLen: 256, responseLen: 64 },
};

/**
 * Useful FLOPs of one LoRA training step (frozen base): forward linear layers, attention (QKᵀ and PV), LoRA
 * and the LM head at the loss positions only; backward = dx through every frozen matmul (1x), 2x for attention
 * and LoRA (both operands). Counted the same way for PyTorch, whatever it computes beyond that.
 */
export function loraStepFlops(c: LlamaConfig, batch: number, seqLen: number, responseLen: number, r: number): number {
  const n = batch * seqLen;
  const qd = c.numAttentionHeads * c.headDim;
  const kvd = c.numKeyValueHeads * c.headDim;
  const h = c.hiddenSize;
  const f = c.intermediateSize;
  const linear = 2 * n * (h * qd + 2 * h * kvd + qd * h + 3 * h * f);
  const lora = 2 * n * r * (h + qd + 2 * (h + kvd) + qd + h + 2 * (h + f) + f + h);
  const attention = 4 * batch * c.numAttentionHeads * seqLen * seqLen * c.headDim;
  const head = 2 * batch * responseLen * h * c.vocabSize;
  return c.numHiddenLayers * (2 * linear + 3 * lora + 3 * attention) + 2 * head;
}

/** Fixed-length synthetic examples: seqLen tokens, loss on the last `responseLen`. Same recipe as torch_peft_bench.py. */
export function syntheticExamples(n: number, seqLen: number, responseLen: number, vocab: number, seed = 0): TokenizedExample[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => {
    const ids = [1, ...Array.from({ length: seqLen - 1 }, () => 3 + rng.int(vocab - 3))];
    return { promptIds: ids.slice(0, seqLen - responseLen), responseIds: ids.slice(seqLen - responseLen) };
  });
}

export function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : dflt;
}

export function report(obj: Record<string, unknown>): void {
  console.log(JSON.stringify(obj));
}
