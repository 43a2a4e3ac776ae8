/**
 * Tokenizers behind one small interface:
 *  (a) hfTokenizer / loadHfTokenizer: a Hugging Face tokenizer.json (+ tokenizer_config.json) run by
 *      @huggingface/tokenizers (pure JS, offline);
 *  (b) llama2Tokenizer: the Llama-2 SentencePiece-BPE vocabulary (32000) shipped inside
 *      llama-tokenizer-js; llama2TokenizerJson() rebuilds the equivalent HF tokenizer.json so a
 *      model saved with it is loadable by transformers;
 *  (c) byteTokenizer: bytes as tokens in the Llama id layout (0 <unk>, 1 <s>, 2 </s>, 3..258 =
 *      bytes 0x00..0xFF), vocab 259, for fast tests; byteTokenizerJson() is its HF equivalent.
 */
import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import llamaTokenizerJs from 'llama-tokenizer-js';
import type { CheckpointSource } from './checkpoint.ts';

export interface EncodeOptions {
  /** Prepend the BOS token (default false). */
  addBos?: boolean;
  /** Append the EOS token (default false). */
  addEos?: boolean;
  /**
   * Match special-token text ("<|im_start|>") as the special token for this call, e.g. for the parts
   * of a chat template the template itself wrote (never for untrusted content). Default: the
   * tokenizer's own setting.
   */
  parseSpecialTokens?: boolean;
}

export interface DecodeOptions {
  /** Drop special tokens (BOS/EOS/UNK/PAD and other added special tokens); default true. */
  skipSpecialTokens?: boolean;
}

export interface Tokenizer {
  encode(text: string, opts?: EncodeOptions): number[];
  decode(ids: readonly number[], opts?: DecodeOptions): string;
  readonly bosId: number;
  readonly eosId: number;
  /** Padding id: tokenizer_config pad_token if set, else <unk> if present, else EOS. */
  readonly padId: number;
  /** Number of ids the model's embedding must cover (max id + 1). */
  readonly vocabSize: number;
  /** Short description, e.g. 'hf:/path/tokenizer.json', 'llama2', 'byte'. */
  readonly kind: string;
}

export class TokenizerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TokenizerError';
  }
}

function withSpecials(ids: number[], bos: number, eos: number, opts?: EncodeOptions): number[] {
  if (opts?.addBos) ids.unshift(bos);
  if (opts?.addEos) ids.push(eos);
  return ids;
}

// ---------------------------------------------------------------------------------------------
// (a) Hugging Face tokenizer.json

function tokenContent(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && typeof (v as { content?: unknown }).content === 'string') return (v as { content: string }).content;
  return null;
}

export interface HfTokenizerOptions {
  /**
   * Recognise special-token text ("<s>", "</s>", ...) inside the input as the special tokens
   * (transformers' default). Default false: such text is tokenized as plain text, as with
   * transformers' split_special_tokens=True, so untrusted log lines cannot inject BOS/EOS.
   */
  parseSpecialTokens?: boolean;
}

/** Build a Tokenizer from parsed tokenizer.json and tokenizer_config.json objects. */
export function hfTokenizer(
  tokenizerJson: unknown,
  tokenizerConfig: unknown = {},
  label = 'tokenizer.json',
  opts: HfTokenizerOptions = {},
): Tokenizer {
  if (!tokenizerJson || typeof tokenizerJson !== 'object' || !('model' in tokenizerJson)) {
    throw new TokenizerError(`${label}: not a tokenizer.json (no 'model')`);
  }
  const cfg = (tokenizerConfig && typeof tokenizerConfig === 'object' ? tokenizerConfig : {}) as Record<string, unknown>;
  const tjson = tokenizerJson as { added_tokens?: Array<{ special?: boolean }> };
  let tok: HfTokenizer;
  let encoder: HfTokenizer;
  try {
    tok = new HfTokenizer(tokenizerJson, { clean_up_tokenization_spaces: false, ...cfg });
    // Encoding without special added tokens = transformers' split_special_tokens=True.
    encoder =
      opts.parseSpecialTokens || !Array.isArray(tjson.added_tokens) || !tjson.added_tokens.some((t) => t.special)
        ? tok
        : new HfTokenizer({ ...tjson, added_tokens: tjson.added_tokens.filter((t) => !t.special) }, { clean_up_tokenization_spaces: false, ...cfg });
  } catch (e) {
    throw new TokenizerError(`${label}: cannot build tokenizer (${(e as Error).message})`);
  }
  const vocab = tok.get_vocab(true);
  let maxId = -1;
  for (const id of vocab.values()) maxId = Math.max(maxId, id);
  const idOf = (field: string, fallback: string | null): number | null => {
    const name = tokenContent(cfg[field]) ?? fallback;
    if (name === null) return null;
    const id = tok.token_to_id(name);
    if (id === undefined) {
      if (cfg[field] !== undefined && cfg[field] !== null) {
        throw new TokenizerError(`${label}: tokenizer_config ${field} ${JSON.stringify(name)} is not in the vocabulary`);
      }
      return null;
    }
    return id;
  };
  const bosId = idOf('bos_token', '<s>');
  const eosId = idOf('eos_token', '</s>');
  if (bosId === null) throw new TokenizerError(`${label}: no BOS token (set bos_token in tokenizer_config.json)`);
  if (eosId === null) throw new TokenizerError(`${label}: no EOS token (set eos_token in tokenizer_config.json)`);
  const padId = idOf('pad_token', null) ?? idOf('unk_token', '<unk>') ?? eosId;
  return {
    kind: `hf:${label}`,
    bosId,
    eosId,
    padId,
    vocabSize: maxId + 1,
    encode(text, opts) {
      const enc = opts?.parseSpecialTokens ? tok : encoder;
      const ids = text.length === 0 ? [] : enc.encode(text, { add_special_tokens: false }).ids.slice();
      return withSpecials(ids, bosId, eosId, opts);
    },
    decode(ids, opts) {
      if (ids.length === 0) return '';
      return tok.decode([...ids], { skip_special_tokens: opts?.skipSpecialTokens ?? true, clean_up_tokenization_spaces: false });
    },
  };
}

/** Load tokenizer.json (+ tokenizer_config.json if present) from a checkpoint source. */
export async function loadHfTokenizer(source: CheckpointSource, opts: HfTokenizerOptions = {}): Promise<Tokenizer> {
  if (!(await source.hasFile('tokenizer.json'))) throw new TokenizerError(`${source.description}: no tokenizer.json`);
  const json = await source.readJson('tokenizer.json');
  const cfg = (await source.hasFile('tokenizer_config.json')) ? await source.readJson('tokenizer_config.json') : {};
  return hfTokenizer(json, cfg, `${source.description}/tokenizer.json`, opts);
}

// ---------------------------------------------------------------------------------------------
// Llama-style tokenizer.json (byte-fallback BPE, "▁" for spaces), as in meta-llama/Llama-2-7b-hf

const SPACE = '\u2581';

function specialToken(id: number, content: string) {
  return { id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true };
}

/**
 * A tokenizer.json structured like Llama-2's. `prependSpace` adds the SentencePiece dummy prefix
 * ("▁" before the text); the byte tokenizer turns it off.
 */
export function llamaStyleTokenizerJson(vocab: Record<string, number>, merges: string[], opts: { prependSpace?: boolean } = {}) {
  const prepend = opts.prependSpace ?? true;
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [specialToken(0, '<unk>'), specialToken(1, '<s>'), specialToken(2, '</s>')],
    normalizer: {
      type: 'Sequence',
      normalizers: [
        ...(prepend ? [{ type: 'Prepend', prepend: SPACE }] : []),
        { type: 'Replace', pattern: { String: ' ' }, content: SPACE },
      ],
    },
    pre_tokenizer: null,
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
      pair: [
        { SpecialToken: { id: '<s>', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '<s>', type_id: 1 } },
        { Sequence: { id: 'B', type_id: 1 } },
      ],
      special_tokens: { '<s>': { id: '<s>', ids: [1], tokens: ['<s>'] } },
    },
    decoder: {
      type: 'Sequence',
      decoders: [
        { type: 'Replace', pattern: { String: SPACE }, content: ' ' },
        { type: 'ByteFallback' },
        { type: 'Fuse' },
        ...(prepend ? [{ type: 'Strip', content: ' ', start: 1, stop: 0 }] : []),
      ],
    },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: '<unk>',
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: true,
      byte_fallback: true,
      ignore_merges: false,
      vocab,
      merges,
    },
  };
}

/** tokenizer_config.json to store next to a Llama-style tokenizer.json. */
export function llamaTokenizerConfigJson(opts: { modelMaxLength?: number } = {}) {
  return {
    add_bos_token: true,
    add_eos_token: false,
    bos_token: '<s>',
    eos_token: '</s>',
    unk_token: '<unk>',
    pad_token: null,
    clean_up_tokenization_spaces: false,
    legacy: true,
    model_max_length: opts.modelMaxLength ?? 2048,
    // Makes transformers' AutoTokenizer use tokenizer.json exactly as written.
    tokenizer_class: 'PreTrainedTokenizerFast',
  };
}

// ---------------------------------------------------------------------------------------------
// (b) Llama-2 vocabulary from llama-tokenizer-js

let LLAMA2_JSON: ReturnType<typeof llamaStyleTokenizerJson> | null = null;

/** Llama-2's tokenizer.json rebuilt from llama-tokenizer-js's vocabulary and merge list (cached). */
export function llama2TokenizerJson() {
  if (LLAMA2_JSON) return LLAMA2_JSON;
  const vocab: Record<string, number> = {};
  llamaTokenizerJs.vocabById.forEach((t, i) => {
    vocab[t] = i;
  });
  // merges: Map<"left right", priority> in priority order
  const merges = [...llamaTokenizerJs.merges.keys()];
  LLAMA2_JSON = llamaStyleTokenizerJson(vocab, merges);
  return LLAMA2_JSON;
}

/**
 * Llama-2 (32000) tokenizer. `impl: 'js'` (default) runs llama-tokenizer-js directly;
 * `impl: 'hf'` runs the rebuilt tokenizer.json through @huggingface/tokenizers.
 */
export function llama2Tokenizer(opts: { impl?: 'js' | 'hf' } & HfTokenizerOptions = {}): Tokenizer {
  if (opts.impl === 'hf') {
    const t = hfTokenizer(llama2TokenizerJson(), llamaTokenizerConfigJson(), 'llama2', opts);
    return { ...t, kind: 'llama2-hf' };
  }
  const specials = new Set([0, 1, 2]);
  return {
    kind: 'llama2',
    bosId: 1,
    eosId: 2,
    padId: 0,
    vocabSize: llamaTokenizerJs.vocabById.length,
    encode(text, o) {
      const ids = text.length === 0 ? [] : llamaTokenizerJs.encode(text, false, true);
      return withSpecials(ids, 1, 2, o);
    },
    decode(ids, o) {
      const skip = o?.skipSpecialTokens ?? true;
      const kept = skip ? ids.filter((i) => !specials.has(i)) : [...ids];
      if (kept.length === 0) return '';
      // llama-tokenizer-js renders specials as their text; remove the dummy-prefix space once.
      return llamaTokenizerJs.decode(kept, false, true);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// (c) byte-level tokenizer

export const BYTE_TOKENIZER_VOCAB_SIZE = 259;

/** Bytes as tokens, Llama id layout: 0 <unk> (also pad), 1 <s>, 2 </s>, 3 + byte. */
export function byteTokenizer(): Tokenizer {
  const enc = new TextEncoder();
  const names = ['<unk>', '<s>', '</s>'];
  return {
    kind: 'byte',
    bosId: 1,
    eosId: 2,
    padId: 0,
    vocabSize: BYTE_TOKENIZER_VOCAB_SIZE,
    encode(text, o) {
      const bytes = enc.encode(text);
      const ids = new Array<number>(bytes.length);
      for (let i = 0; i < bytes.length; i++) ids[i] = bytes[i] + 3;
      return withSpecials(ids, 1, 2, o);
    },
    decode(ids, o) {
      const skip = o?.skipSpecialTokens ?? true;
      let out = '';
      let run: number[] = [];
      const flush = () => {
        if (run.length) out += new TextDecoder('utf-8').decode(new Uint8Array(run));
        run = [];
      };
      for (const id of ids) {
        if (!Number.isInteger(id) || id < 0 || id >= BYTE_TOKENIZER_VOCAB_SIZE) {
          throw new TokenizerError(`byte tokenizer: id ${id} out of range [0, ${BYTE_TOKENIZER_VOCAB_SIZE})`);
        }
        if (id >= 3) run.push(id - 3);
        else if (!skip) {
          flush();
          out += names[id];
        }
      }
      flush();
      return out;
    },
  };
}

/** HF tokenizer.json equivalent of byteTokenizer() (byte-fallback BPE without merges). */
export function byteTokenizerJson() {
  const vocab: Record<string, number> = { '<unk>': 0, '<s>': 1, '</s>': 2 };
  for (let b = 0; b < 256; b++) vocab[`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`] = 3 + b;
  const j = llamaStyleTokenizerJson(vocab, [], { prependSpace: false });
  // No "▁" mapping either: spaces are plain byte tokens.
  j.normalizer = null as unknown as typeof j.normalizer;
  j.decoder = { type: 'Sequence', decoders: [{ type: 'ByteFallback' }, { type: 'Fuse' }] } as typeof j.decoder;
  return j;
}

// ---------------------------------------------------------------------------------------------

/**
 * Tokenizer for a model directory: its tokenizer.json if present, else `fallback`
 * ('llama2' or 'byte'); throws if neither applies.
 */
export async function loadTokenizer(source: CheckpointSource, fallback?: 'llama2' | 'byte'): Promise<Tokenizer> {
  if (await source.hasFile('tokenizer.json')) return loadHfTokenizer(source);
  if (fallback === 'llama2') return llama2Tokenizer();
  if (fallback === 'byte') return byteTokenizer();
  throw new TokenizerError(`${source.description}: no tokenizer.json`);
}
