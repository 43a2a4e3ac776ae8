import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openGguf } from './gguf.ts';
import type { GgufFile, GgufValue } from './gguf.ts';
import { ggufTokenizer, tokenizerFilesFromGguf } from './gguf-tokenizer.ts';
import { findInstalledModel } from './model-catalog.ts';
import type { Tokenizer } from './tokenizer.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(here, '../../../..');
const FIX = path.resolve(here, '../../fixtures/gguf');

interface Case {
  text: string;
  ids: number[];
  parseSpecial: boolean;
  transformersGgufIds?: number[];
}
const cases = (JSON.parse(readFileSync(path.join(FIX, 'smollm2-tokenizer.json'), 'utf8')) as { cases: Case[] }).cases;
const modelFile = await findInstalledModel('smollm2-135m-instruct', path.join(REPO, '.opensoc'));
if (!modelFile) console.warn('gguf-tokenizer: SmolLM2-135M-Instruct GGUF not installed (run: bash infra/install-model.sh); skipping the transformers comparison');

describe.skipIf(!modelFile)('tokenizer rebuilt from the SmolLM2 GGUF metadata', () => {
  let file: GgufFile;
  let tok: Tokenizer;
  beforeAll(async () => {
    file = await openGguf(modelFile!);
    tok = ggufTokenizer(file);
  });
  afterAll(async () => file?.close());

  it(`gives transformers' ids on all ${cases.length} fixture strings (log lines, URL-encoding, unicode, digits, tabs, prompts, chat template)`, () => {
    expect(cases.length).toBeGreaterThanOrEqual(300);
    const wrong = cases.filter((c) => JSON.stringify(tok.encode(c.text, { parseSpecialTokens: c.parseSpecial })) !== JSON.stringify(c.ids));
    expect(wrong.map((c) => c.text.slice(0, 80))).toEqual([]);
  });

  it('decodes every fixture string back to itself', () => {
    for (const c of cases.filter((x) => !x.parseSpecial)) expect(tok.decode(c.ids)).toBe(c.text);
  });

  it("splits digits one by one as SmolLM2 does (transformers' GGUF converter only differs on digit runs)", () => {
    const differing = cases.filter((c) => c.transformersGgufIds);
    for (const c of differing) expect(c.text).toMatch(/\d/);
    expect(tok.encode('12345')).toEqual([33, 34, 35, 36, 37]);
  });

  it('special tokens: ids from metadata, special text is plain text unless asked, pad == EOS', () => {
    expect([tok.bosId, tok.eosId, tok.padId, tok.vocabSize]).toEqual([1, 2, 2, 49152]);
    expect(tok.encode('<|im_start|>')).not.toEqual([1]);
    expect(tok.encode('<|im_start|>', { parseSpecialTokens: true })).toEqual([1]);
    expect(tok.decode([1, ...tok.encode('hi there'), 2], { skipSpecialTokens: true })).toBe('hi there');
    expect(tok.decode([1, 2], { skipSpecialTokens: false })).toBe('<|im_start|><|im_end|>');
  });

  it('exposes the chat template', () => {
    expect(tokenizerFilesFromGguf(file).chatTemplate).toMatch(/<\|im_start\|>/);
  });
});

describe('tokenizer metadata validation', () => {
  const meta = (entries: Record<string, GgufValue>) => ({ label: 'x.gguf', metadata: new Map(Object.entries(entries)) });
  const base = {
    'tokenizer.ggml.model': 'gpt2',
    'tokenizer.ggml.pre': 'smollm',
    'tokenizer.ggml.tokens': ['<|endoftext|>', 'a', 'b', 'ab'],
    'tokenizer.ggml.token_type': [3, 1, 1, 1],
    'tokenizer.ggml.merges': ['a b'],
    'tokenizer.ggml.bos_token_id': 0,
    'tokenizer.ggml.eos_token_id': 0,
  };
  it('builds a working tokenizer from minimal metadata', () => {
    const t = ggufTokenizer(meta(base));
    expect(t.encode('ab')).toEqual([3]);
    expect(t.encode('ba')).toEqual([2, 1]);
  });
  it('names the file and key on unsupported or inconsistent metadata', () => {
    expect(() => ggufTokenizer(meta({ ...base, 'tokenizer.ggml.model': 'llama' }))).toThrow(/x\.gguf: metadata 'tokenizer\.ggml\.model' is "llama"/);
    expect(() => ggufTokenizer(meta({ ...base, 'tokenizer.ggml.pre': 'qwen2' }))).toThrow(/'tokenizer\.ggml\.pre' is "qwen2"/);
    expect(() => ggufTokenizer(meta({ ...base, 'tokenizer.ggml.token_type': [3, 1] }))).toThrow(/token_type' has 2 entries but 'tokenizer\.ggml\.tokens' has 4/);
    expect(() => ggufTokenizer(meta({ ...base, 'tokenizer.ggml.eos_token_id': 9 }))).toThrow(/eos_token_id' 9 is not a token id in \[0, 4\)/);
    expect(() => ggufTokenizer(meta({ ...base, 'tokenizer.ggml.tokens': ['a', 'a', 'b', 'ab'] }))).toThrow(/token "a" appears twice/);
    const { 'tokenizer.ggml.merges': _m, ...noMerges } = base;
    void _m;
    expect(() => ggufTokenizer(meta(noMerges))).toThrow(/'tokenizer\.ggml\.merges' must be an array of strings, got nothing/);
  });
});
