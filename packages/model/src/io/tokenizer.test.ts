import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { localDirectorySource } from './checkpoint.ts';
import {
  byteTokenizer,
  byteTokenizerJson,
  hfTokenizer,
  llama2Tokenizer,
  llama2TokenizerJson,
  loadHfTokenizer,
  loadTokenizer,
} from './tokenizer.ts';
import type { Tokenizer } from './tokenizer.ts';

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures');

interface RefLine {
  text: string;
  ids: number[];
  ids_with_bos: number[];
  ids_parse_special: number[];
  decoded: string;
  decoded_with_bos_skip_special: string;
}
const readRef = (name: string) =>
  (JSON.parse(readFileSync(path.join(FIXTURES, 'tokenizer', name), 'utf8')) as { lines: RefLine[] }).lines;

/** Compare against ids and strings produced by Python transformers on the same tokenizer.json. */
function checkAgainstPython(tok: Tokenizer, lines: RefLine[], parsing?: Tokenizer) {
  expect(lines.length).toBeGreaterThan(100);
  for (const l of lines) {
    expect(tok.encode(l.text), JSON.stringify(l.text)).toEqual(l.ids);
    if (parsing) expect(parsing.encode(l.text), JSON.stringify(l.text)).toEqual(l.ids_parse_special);
    expect(tok.encode(l.text, { addBos: true }), JSON.stringify(l.text)).toEqual(l.ids_with_bos);
    expect(tok.decode(l.ids)).toBe(l.decoded);
    expect(tok.decode(l.ids_with_bos)).toBe(l.decoded_with_bos_skip_special);
  }
}

describe('HF tokenizer.json via @huggingface/tokenizers', () => {
  it('tiny-llama tokenizer matches Python transformers on log lines', async () => {
    const src = localDirectorySource(path.join(FIXTURES, 'tiny-llama'));
    const tok = await loadHfTokenizer(src);
    expect(tok).toMatchObject({ bosId: 1, eosId: 2, padId: 0, vocabSize: 512 });
    checkAgainstPython(tok, readRef('tiny_reference.json'), await loadHfTokenizer(src, { parseSpecialTokens: true }));
  });

  it('Llama-2 tokenizer.json rebuilt from llama-tokenizer-js matches Python transformers', () => {
    const j = llama2TokenizerJson();
    expect(Object.keys(j.model.vocab).length).toBe(32000);
    expect(j.model.merges.length).toBe(61249);
    const tok = llama2Tokenizer({ impl: 'hf' });
    expect(tok).toMatchObject({ bosId: 1, eosId: 2, padId: 0, vocabSize: 32000 });
    checkAgainstPython(tok, readRef('llama2_reference.json'), llama2Tokenizer({ impl: 'hf', parseSpecialTokens: true }));
  });

  it('treats special-token text in the input as plain text unless asked', () => {
    const line = 'user=</s> msg';
    expect(llama2Tokenizer({ impl: 'hf' }).encode(line)).not.toContain(2);
    expect(llama2Tokenizer({ impl: 'hf', parseSpecialTokens: true }).encode(line)).toContain(2);
    expect(llama2Tokenizer().encode(line)).not.toContain(2);
  });

  it('errors clearly', () => {
    expect(() => hfTokenizer({ nope: 1 }, {}, 'x/tokenizer.json')).toThrow(/x\/tokenizer\.json: not a tokenizer\.json/);
    expect(() => hfTokenizer(llama2TokenizerJson(), { bos_token: '<bos>' }, 'l2')).toThrow(/l2: tokenizer_config bos_token "<bos>" is not in the vocabulary/);
  });

  it('honours pad_token and addEos', () => {
    const tok = hfTokenizer(llama2TokenizerJson(), { pad_token: { content: '</s>' } }, 'l2');
    expect(tok.padId).toBe(2);
    expect(tok.encode('hi', { addBos: true, addEos: true })).toEqual([1, 7251, 2]);
    expect(tok.decode([1, 7251, 2], { skipSpecialTokens: false })).toBe('<s> hi</s>');
  });
});

describe('llama-tokenizer-js (Llama-2 vocabulary)', () => {
  it('matches Python transformers on log lines', () => {
    const tok = llama2Tokenizer();
    expect(tok).toMatchObject({ bosId: 1, eosId: 2, padId: 0, vocabSize: 32000, kind: 'llama2' });
    checkAgainstPython(tok, readRef('llama2_reference.json'));
  });
});

describe('byte tokenizer', () => {
  it('round-trips text and matches its HF tokenizer.json', () => {
    const tok = byteTokenizer();
    const hf = hfTokenizer(byteTokenizerJson(), {}, 'byte');
    expect(hf.vocabSize).toBe(tok.vocabSize);
    for (const l of readRef('llama2_reference.json')) {
      const ids = tok.encode(l.text, { addBos: true });
      expect(ids).toEqual(hf.encode(l.text, { addBos: true }));
      expect(tok.decode(ids)).toBe(l.text);
      expect(hf.decode(ids)).toBe(l.text);
    }
    expect(tok.encode('A é', { addBos: true, addEos: true })).toEqual([1, 68, 35, 198, 172, 2]);
    expect(tok.decode([1, 68, 2], { skipSpecialTokens: false })).toBe('<s>A</s>');
    expect(() => tok.decode([300])).toThrow(/out of range/);
  });

  it('loadTokenizer falls back when there is no tokenizer.json', async () => {
    const src = localDirectorySource(path.join(FIXTURES, 'tiny-lora'));
    expect((await loadTokenizer(src, 'byte')).kind).toBe('byte');
    await expect(loadTokenizer(src)).rejects.toThrow(/no tokenizer\.json/);
    expect((await loadTokenizer(localDirectorySource(path.join(FIXTURES, 'tiny-llama')))).vocabSize).toBe(512);
  });
});
