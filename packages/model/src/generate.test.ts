import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from './backend.ts';
import { LlamaForCausalLM } from './llama.ts';
import { smallLlamaConfig } from './model-types.ts';
import { byteTokenizer } from './io/tokenizer.ts';
import { IncrementalScorer, generate, scoreContinuationIds, scoreLabelSets, scoreLabels, scoreLabelsBatch } from './generate.ts';

const tok = byteTokenizer();
const cfg = smallLlamaConfig({ vocabSize: tok.vocabSize, hiddenSize: 32, numAttentionHeads: 4, numKeyValueHeads: 2, numHiddenLayers: 2, maxPositionEmbeddings: 128 });

describe('generation and label scoring', () => {
  let model: LlamaForCausalLM;
  beforeAll(async () => {
    await initBackend('wasm');
    model = LlamaForCausalLM.random(cfg, { seed: 9, initializerRange: 0.2 });
  });
  afterAll(() => model.dispose());

  it('label scores equal the brute-force sum of token log-probabilities', () => {
    const prompt = 'log: GET /x\nanswer: ';
    const cands = ['HIGH', 'LOW', 'MEDIUM RISK', ''];
    const s = scoreLabels(model, tok, prompt, cands, { batchSize: 2 });
    cands.forEach((c, i) => {
      const p = tok.encode(prompt, { addBos: true });
      const full = [...p, ...tok.encode(c)];
      const lp = tf.tidy(() => tf.logSoftmax(model.forward({ ids: full, batch: 1, seqLen: full.length })));
      const data = lp.dataSync();
      lp.dispose();
      let sum = 0;
      for (let t = p.length; t < full.length; t++) sum += data[(t - 1) * cfg.vocabSize + full[t]];
      expect(s.scores[i]).toBeCloseTo(sum, 4);
    });
    expect(s.tokenCounts).toEqual([4, 3, 11, 0]);
    expect(s.label).toBe(cands[s.best]);
    // several candidate sets over one prefill give the same scores as separate calls
    const sets = scoreLabelSets(model, tok, prompt, { a: cands, b: ['x', 'yz'] });
    expect(sets.a.scores.map((v) => v.toFixed(4))).toEqual(s.scores.map((v) => v.toFixed(4)));
    const b = scoreLabels(model, tok, prompt, ['x', 'yz']);
    expect(sets.b.scores.map((v) => v.toFixed(4))).toEqual(b.scores.map((v) => v.toFixed(4)));
  });

  it('batched generation (left padding) equals one-by-one generation; sampling is seeded', async () => {
    const prompts = ['a', 'longer prompt here', 'mid prompt'];
    const n0 = tf.memory().numTensors;
    const together = await generate(model, tok, prompts, { maxNewTokens: 10, stopSequences: [], stopAtEos: false });
    const alone = [];
    for (const p of prompts) alone.push((await generate(model, tok, [p], { maxNewTokens: 10, stopSequences: [], stopAtEos: false }))[0]);
    expect(together.map((g) => g.tokenIds)).toEqual(alone.map((g) => g.tokenIds));
    expect(together.every((g) => g.finishReason === 'length' && g.tokenIds.length === 10)).toBe(true);
    const s1 = await generate(model, tok, prompts, { maxNewTokens: 10, temperature: 1, topK: 20, seed: 5 });
    const s2 = await generate(model, tok, prompts, { maxNewTokens: 10, temperature: 1, topK: 20, seed: 5 });
    expect(s1).toEqual(s2);
    const many = await scoreLabelsBatch(model, tok, prompts, ['x', 'y']);
    expect(many.length).toBe(3);
    expect(tf.memory().numTensors).toBe(n0);
  });

  it('incremental scoring with (lazy) appends equals scoring the whole context at once', () => {
    const m = LlamaForCausalLM.random(cfg, { seed: 21 });
    const before = tf.memory().numTensors;
    const ctx = tok.encode('prompt: GET /x', { addBos: true });
    const more = [tok.encode(' A:'), tok.encode(' b'), tok.encode('\nC:')];
    const conts = [tok.encode(' one'), tok.encode(' two'), tok.encode(' three!')];
    const s = new IncrementalScorer(m, tok, ctx);
    for (const ids of more) s.append(ids);
    const a = s.score(conts).scores;
    const b = scoreContinuationIds(m, tok, [...ctx, ...more.flat()], conts).scores;
    a.forEach((x, i) => expect(Math.abs(x - b[i]!)).toBeLessThan(1e-4));
    s.append(conts[1]!);
    const c = s.score([tok.encode(' z')]).scores[0]!;
    expect(Math.abs(c - scoreContinuationIds(m, tok, [...ctx, ...more.flat(), ...conts[1]!], [tok.encode(' z')]).scores[0]!)).toBeLessThan(1e-4);
    s.dispose();
    expect(tf.memory().numTensors).toBe(before);
    m.dispose();
  });
});
