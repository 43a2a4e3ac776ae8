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
