/**
 * The Hugging Face tokenizer.json (and tokenizer_config.json) a GGUF file's `tokenizer.ggml.*`
 * metadata describes, for byte-level BPE vocabularies (`tokenizer.ggml.model = gpt2`), run by
 * @huggingface/tokenizers through hfTokenizer().
 *
 * Pre-tokenizers (`tokenizer.ggml.pre`) follow llama.cpp's definitions: 'smollm' first splits every
 * digit on its own (HF: Digits{individual_digits}) and then applies GPT-2's regex, which is exactly
 * SmolLM2's own tokenizer.json; 'gpt-2' / 'default' apply GPT-2's regex only. (transformers' GGUF
 * converter does not know 'smollm' and falls back to GPT-2's rule, so it splits digit runs
 * differently from the model's own tokenizer; see fixtures/gguf/smollm2-tokenizer.json.)
 * token_type 3 (control) become special added tokens, 4 (user-defined) plain added tokens.
 */
import { GgufError, metaArray, metaBool, metaNumber, metaString } from './gguf.ts';
import type { GgufFile } from './gguf.ts';
import { hfTokenizer } from './tokenizer.ts';
import type { HfTokenizerOptions, Tokenizer } from './tokenizer.ts';

type Meta = Pick<GgufFile, 'label' | 'metadata'>;

const TOKEN_TYPE = { NORMAL: 1, UNKNOWN: 2, CONTROL: 3, USER_DEFINED: 4, UNUSED: 5, BYTE: 6 } as const;

const BYTE_LEVEL = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true };

function preTokenizer(pre: string, label: string): unknown {
  switch (pre) {
    case 'smollm':
      return { type: 'Sequence', pretokenizers: [{ type: 'Digits', individual_digits: true }, BYTE_LEVEL] };
    case 'gpt-2':
    case 'gpt2':
    case 'default':
      return BYTE_LEVEL;
    default:
      throw new GgufError(`${label}: metadata 'tokenizer.ggml.pre' is "${pre}"; supported pre-tokenizers: smollm, gpt-2, default`);
  }
}

export interface GgufTokenizerFiles {
  tokenizerJson: Record<string, unknown>;
  tokenizerConfig: Record<string, unknown>;
  /** Jinja chat template (tokenizer.chat_template), if the file has one. */
  chatTemplate: string | null;
}

/** tokenizer.json + tokenizer_config.json equivalent to the GGUF's tokenizer metadata. */
export function tokenizerFilesFromGguf(file: Meta): GgufTokenizerFiles {
  const label = file.label;
  const model = metaString(file, 'tokenizer.ggml.model');
  if (model !== 'gpt2') throw new GgufError(`${label}: metadata 'tokenizer.ggml.model' is "${model}"; only byte-level BPE ("gpt2") is supported`);
  const tokens = metaArray(file, 'tokenizer.ggml.tokens', 'string');
  const merges = metaArray(file, 'tokenizer.ggml.merges', 'string');
  const types = file.metadata.has('tokenizer.ggml.token_type') ? metaArray(file, 'tokenizer.ggml.token_type', 'number') : null;
  if (types && types.length !== tokens.length) {
    throw new GgufError(`${label}: metadata 'tokenizer.ggml.token_type' has ${types.length} entries but 'tokenizer.ggml.tokens' has ${tokens.length}`);
  }
  const vocab: Record<string, number> = {};
  const added: Record<string, unknown>[] = [];
  tokens.forEach((t, id) => {
    if (Object.prototype.hasOwnProperty.call(vocab, t)) throw new GgufError(`${label}: token ${JSON.stringify(t)} appears twice (ids ${vocab[t]} and ${id})`);
    vocab[t] = id;
    const ty = types?.[id] ?? TOKEN_TYPE.NORMAL;
    if (ty === TOKEN_TYPE.CONTROL || ty === TOKEN_TYPE.USER_DEFINED || ty === TOKEN_TYPE.UNKNOWN) {
      added.push({ id, content: t, single_word: false, lstrip: false, rstrip: false, normalized: false, special: ty !== TOKEN_TYPE.USER_DEFINED });
    }
  });
  const tokenAt = (key: string): string | null => {
    const id = metaNumber(file, `tokenizer.ggml.${key}`, true);
    if (id === undefined) return null;
    if (!Number.isInteger(id) || id < 0 || id >= tokens.length) throw new GgufError(`${label}: metadata 'tokenizer.ggml.${key}' ${id} is not a token id in [0, ${tokens.length})`);
    return tokens[id];
  };
  const bos = tokenAt('bos_token_id');
  const eos = tokenAt('eos_token_id');
  const unk = tokenAt('unknown_token_id');
  const pad = tokenAt('padding_token_id');
  if (metaBool(file, 'tokenizer.ggml.add_space_prefix')) throw new GgufError(`${label}: metadata 'tokenizer.ggml.add_space_prefix' = true is not supported for byte-level BPE`);
  const chatTemplate = metaString(file, 'tokenizer.chat_template', true) ?? null;
  const tokenizerJson = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: null,
    pre_tokenizer: preTokenizer(metaString(file, 'tokenizer.ggml.pre', true) ?? 'default', label),
    post_processor: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: unk,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges,
    },
  };
  const tokenizerConfig = {
    add_bos_token: metaBool(file, 'tokenizer.ggml.add_bos_token') ?? false,
    add_eos_token: metaBool(file, 'tokenizer.ggml.add_eos_token') ?? false,
    bos_token: bos,
    eos_token: eos,
    unk_token: unk,
    pad_token: pad,
    clean_up_tokenization_spaces: false,
    tokenizer_class: 'PreTrainedTokenizerFast',
    ...(chatTemplate ? { chat_template: chatTemplate } : {}),
  };
  return { tokenizerJson, tokenizerConfig, chatTemplate };
}

/** A Tokenizer for the GGUF's vocabulary (see tokenizerFilesFromGguf). */
export function ggufTokenizer(file: Meta, opts: HfTokenizerOptions = {}): Tokenizer {
  const { tokenizerJson, tokenizerConfig } = tokenizerFilesFromGguf(file);
  const t = hfTokenizer(tokenizerJson, tokenizerConfig, `${file.label} (GGUF tokenizer)`, opts);
  return { ...t, kind: `gguf:${file.label}` };
}
