/**
 * How a log becomes a prompt and a record becomes a training target, in either format:
 *  - 'opensoc-ai': the study's `### Instruction / ### Input / ### Response` text;
 *  - 'chat': the model's own chat template (rendered in TS from GGUF metadata), the instruction
 *    and log as the user turn, the target as the assistant turn ending in the template's EOS.
 * A PromptFormatter also carries the tokenizer view prompts must be encoded with: in chat prompts
 * the template's special-token text (<|im_start|> ...) becomes the special tokens while the log,
 * which may contain the same text, stays plain text (it is fenced by private-use sentinels that
 * never reach the model).
 */
import type { DatasetRecord, PromptFormat } from '@opensoc/contracts';
import { TACTIC_INFO, TECHNIQUE_NAMES } from '@opensoc/eval';
import { formatPrompt, renderChatTemplate, type EncodeOptions, type Tokenizer } from '@opensoc/model';

/** The instruction of every prompt (the OpenSOC-AI study's wording). */
export const INSTRUCTION = 'Analyze this log and identify security threats. Return: threat type, MITRE technique ID, severity, and recommendation.';

export const techniqueText = (id: string | null) => (id === null ? 'N/A' : `${id} (${TECHNIQUE_NAMES[id] ?? id})`);
export const tacticText = (t: string | null) => (t === null ? 'N/A' : TACTIC_INFO[t as keyof typeof TACTIC_INFO].name);

/**
 * The training target: the OpenSOC-AI key/value response with the four scored fields first,
 * so label scoring can choose them one after another with the model's own earlier choices as
 * context, and generation can stop once they are written.
 */
export function trainingTarget(r: DatasetRecord): string {
  return [
    `THREAT_CATEGORY: ${r.threatCategory}`,
    `MITRE_TECHNIQUE: ${techniqueText(r.mitreTechnique)}`,
    `MITRE_TACTIC: ${tacticText(r.mitreTactic)}`,
    `SEVERITY: ${r.severity}`,
    `THREAT_TYPE: ${(r.threatType ?? 'unknown').replace(/\s*\n\s*/g, ' ')}`,
  ].join('\n');
}

const OPEN = '\uE000';
const CLOSE = '\uE001';
const SENTINELS = /[\uE000\uE001]/g;

export interface PromptFormatter {
  readonly format: PromptFormat;
  /** Encode prompts (and prompt + continuation) with this, never with the raw tokenizer. */
  readonly tokenizer: Tokenizer;
  /** The prompt for a log, up to where the response starts. */
  prompt(log: string): string;
  /** Prompt ids of a log; `addBos` is decided by the format, not the caller. */
  promptIds(log: string): number[];
}

export interface FormatterModel {
  tokenizer: Tokenizer;
  chatTemplate: string | null;
  /** Whether prompts start with BOS (the model's add_bos_token; pipeline models: true). */
  addBos: boolean;
}

/**
 * A tokenizer view for prompts: text between sentinels is encoded as plain text, the rest with
 * special tokens recognised; BOS only when the model wants it.
 */
function promptTokenizer(tok: Tokenizer, addBos: boolean, parseSpecials: boolean): Tokenizer {
  const encode = (text: string, opts?: EncodeOptions): number[] => {
    const ids: number[] = [];
    if (addBos && opts?.addBos) ids.push(tok.bosId);
    let inside = false;
    for (const part of text.split(/([\uE000\uE001])/)) {
      if (part === OPEN) inside = true;
      else if (part === CLOSE) inside = false;
      else if (part.length > 0) ids.push(...tok.encode(part, { parseSpecialTokens: parseSpecials && !inside }));
    }
    if (opts?.addEos) ids.push(tok.eosId);
    return ids;
  };
  return { ...tok, kind: `${tok.kind}+prompt`, encode, decode: (ids, o) => tok.decode(ids, o) };
}

export function promptFormatter(m: FormatterModel, format: PromptFormat = 'opensoc-ai'): PromptFormatter {
  if (format === 'opensoc-ai') {
    const tokenizer = promptTokenizer(m.tokenizer, m.addBos, false);
    const prompt = (log: string) => formatPrompt(INSTRUCTION, log);
    return { format, tokenizer, prompt, promptIds: (log) => tokenizer.encode(prompt(log), { addBos: true }) };
  }
  const template = m.chatTemplate;
  if (!template) throw new Error(`prompt format 'chat' needs a model with a chat template; this tokenizer (${m.tokenizer.kind}) has none`);
  const tokenizer = promptTokenizer(m.tokenizer, false, true);
  const prompt = (log: string) =>
    renderChatTemplate(template, [{ role: 'user', content: `${INSTRUCTION}\n\n${OPEN}${log.replace(SENTINELS, '')}${CLOSE}` }], { addGenerationPrompt: true });
  return { format, tokenizer, prompt, promptIds: (log) => tokenizer.encode(prompt(log), { addBos: true }) };
}

/** Strip the sentinels from a rendered prompt (for display and stop-sequence search). */
export function displayPrompt(prompt: string): string {
  return prompt.replace(SENTINELS, '');
}

/**
 * The log shortened (from its end) so that the prompt fits in maxTokens, as training shortens
 * over-long logs: evaluation then sees prompts shaped like the training ones.
 */
export function fitLog(f: PromptFormatter, log: string, maxTokens: number): string {
  const fits = (text: string) => f.promptIds(text).length <= maxTokens;
  if (fits(log)) return log;
  let lo = 0;
  let hi = log.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(log.slice(0, mid))) lo = mid;
    else hi = mid - 1;
  }
  return log.slice(0, lo);
}

/**
 * Tokens reserved after the prompt for the answer (the four scored fields and THREAT_TYPE; the
 * longest target of the study's data is 74 tokens with SmolLM2's tokenizer). Training and
 * classification shorten a log to the same room, maxLen - ANSWER_ROOM, so a model is evaluated on
 * exactly the part of each log it learned from.
 */
export const ANSWER_ROOM = 80;

/**
 * A training example in the format: prompt ids (log shortened to maxLen - ANSWER_ROOM, as
 * classification shortens it, or further when the target is longer) and the target ids followed
 * by EOS, so the loss covers exactly the response and its end.
 */
export function trainingExample(f: PromptFormatter, r: DatasetRecord, maxLen: number): { promptIds: number[]; responseIds: number[] } {
  const target = trainingTarget(r);
  const prompt = (log: string) => f.prompt(log);
  const encodeBoth = (log: string) => {
    const p = f.tokenizer.encode(prompt(log), { addBos: true });
    const joint = f.tokenizer.encode(prompt(log) + target, { addBos: true });
    const same = joint.length > p.length && p.every((id, i) => joint[i] === id);
    return { promptIds: p, responseIds: [...(same ? joint.slice(p.length) : f.tokenizer.encode(target)), f.tokenizer.eosId] };
  };
  let ex = encodeBoth(r.log);
  const room = Math.max(1, maxLen - Math.max(ANSWER_ROOM, ex.responseIds.length));
  if (ex.promptIds.length > room) ex = encodeBoth(fitLog(f, r.log, room));
  return ex;
}
