import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import path from 'node:path';
import { THREAT_CATEGORIES, SEVERITIES, type DatasetRecord, type Prediction, type ClassificationMode } from '@opensoc/contracts';
import { parseFuzzy, parseStrict, parsedToPrediction, TACTIC_INFO, TECHNIQUE_NAMES, techniqueParent } from '@opensoc/eval';
import {
  DEFAULT_STOP_SEQUENCES, formatPrompt, generate, initBackend, iterateCheckpointTensors, LlamaForCausalLM, loadLlamaConfig, loadTokenizer, localDirectorySource, IncrementalScorer, scoreLabels,
  type BackendName, type Tokenizer,
} from '@opensoc/model';
import { COMPLETE_MARKER, type ArtifactStore } from '@opensoc/storage';

/** The instruction of every prompt (the OpenSOC-AI study's wording). */
export const INSTRUCTION = 'Analyze this log and identify security threats. Return: threat type, MITRE technique ID, severity, and recommendation.';

const techniqueText = (id: string | null) => (id === null ? 'N/A' : `${id} (${TECHNIQUE_NAMES[id] ?? id})`);
const tacticText = (t: string | null) => (t === null ? 'N/A' : TACTIC_INFO[t as keyof typeof TACTIC_INFO].name);

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
    `THREAT_TYPE: ${r.threatType.replace(/\s*\n\s*/g, ' ')}`,
  ].join('\n');
}

export interface LoadedModel { model: LlamaForCausalLM; tokenizer: Tokenizer; dir: string }

let backendReady: Promise<string> | undefined;
export function ensureBackend(name: BackendName = (process.env.OPENSOC_TF_BACKEND as BackendName) || 'wasm'): Promise<string> {
  backendReady ??= initBackend(name);
  return backendReady;
}

/**
 * Makes a base model available as a local HF directory: `file:<dir>` as is; `s3:<prefix>` or a
 * pipeline-trained `models/<hash>` prefix downloaded (sha256-verified) into the cache once.
 */
export async function localModelDir(store: ArtifactStore, key: string, cacheDir: string): Promise<string> {
  if (key.startsWith('file:')) return key.slice(5);
  const prefix = key.startsWith('s3:') ? key.slice(3) : key;
  const dir = path.join(cacheDir, 'models', createHash('sha256').update(prefix).digest('hex').slice(0, 24));
  if (existsSync(path.join(dir, COMPLETE_MARKER))) return dir;
  const tmp = `${dir}.partial-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const keys = await store.list(`${prefix.replace(/\/$/, '')}/`);
  if (keys.length === 0) throw new Error(`no model files under ${prefix}/`);
  for (const k of keys) await store.downloadToFile(k, path.join(tmp, path.basename(k)));
  writeFileSync(path.join(tmp, COMPLETE_MARKER), '');
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  return dir;
}

export async function loadModelDir(dir: string): Promise<LoadedModel> {
  await ensureBackend();
  const source = localDirectorySource(dir);
  const config = await loadLlamaConfig(source);
  const model = await LlamaForCausalLM.fromHFWeights(config, iterateCheckpointTensors(source));
  const tokenizer = await loadTokenizer(source, 'llama2');
  return { model, tokenizer, dir };
}

/** Tokens reserved for the answer lines after the prompt (the four scored fields and THREAT_TYPE). */
const ANSWER_ROOM = 64;

/**
 * The log shortened (from its end) so that the prompt fits in maxTokens, as training shortens
 * over-long logs: evaluation then sees prompts shaped like the training ones.
 */
export function fitLog(tok: Tokenizer, log: string, maxTokens: number): string {
  const fits = (text: string) => tok.encode(formatPrompt(INSTRUCTION, text), { addBos: true }).length <= maxTokens;
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
 * Candidate answers for label scoring, from the training records (the model can only know those).
 * With `byCategory`, technique and tactic are chosen only among the pairs training records of the
 * chosen category (and technique) carry, so every answer is a label combination that exists.
 */
export interface Candidates {
  techniques: (string | null)[];
  tactics: (string | null)[];
  byCategory?: Record<string, { techniques: (string | null)[]; tacticsByTechnique: Record<string, (string | null)[]> }>;
}
const sortedUnique = <T>(xs: T[]) => [...new Set(xs)].sort((a, b) => String(a).localeCompare(String(b)));
export function candidatesFrom(train: DatasetRecord[], opts: { consistent?: boolean } = {}): Candidates {
  const c: Candidates = { techniques: sortedUnique(train.map((r) => r.mitreTechnique)), tactics: sortedUnique(train.map((r) => r.mitreTactic)) };
  if (!opts.consistent) return c;
  c.byCategory = {};
  for (const category of new Set(train.map((r) => r.threatCategory))) {
    const rs = train.filter((r) => r.threatCategory === category);
    const techniques = sortedUnique(rs.map((r) => r.mitreTechnique));
    c.byCategory[category] = { techniques, tacticsByTechnique: Object.fromEntries(techniques.map((t) => [String(t), sortedUnique(rs.filter((r) => r.mitreTechnique === t).map((r) => r.mitreTactic))])) };
  }
  return c;
}

/**
 * Token ids of lines as they appear after a newline inside a longer text. SentencePiece-style
 * tokenizers never merge across a newline (it is a byte token), so the ids of a response can be
 * assembled line by line and each distinct line encoded once: label scoring then costs one
 * tokenizer call per record instead of one per candidate. `consistent()` checks the assumption.
 */
export class LineTokens {
  private readonly cache = new Map<string, number[]>();
  private readonly marker: number[];
  readonly newline: number[];

  constructor(private readonly tok: Tokenizer) {
    this.marker = tok.encode('\n', { addBos: false });
    const withText = tok.encode('x\n', { addBos: false });
    let k = 0;
    while (k < this.marker.length && k < withText.length && this.marker[this.marker.length - 1 - k] === withText[withText.length - 1 - k]) k++;
    this.newline = this.marker.slice(this.marker.length - k);
  }

  /** Ids of `text` + newline, as they appear right after a newline. */
  line(text: string): number[] {
    let ids = this.cache.get(text);
    if (!ids) {
      const enc = this.tok.encode(`\n${text}\n`, { addBos: false });
      ids = enc.slice(this.marker.length);
      this.cache.set(text, ids);
    }
    return ids;
  }

  /** True when prompt + lines encodes to exactly the assembled ids. */
  consistent(prompt: string, lines: string[]): boolean {
    const assembled = [...this.tok.encode(prompt, { addBos: true }), ...lines.flatMap((l) => this.line(l))];
    const joint = this.tok.encode(prompt + lines.map((l) => `${l}\n`).join(''), { addBos: true });
    return assembled.length === joint.length && assembled.every((id, i) => id === joint[i]);
  }
}

const lineTokens = new WeakMap<Tokenizer, LineTokens | null>();

/**
 * Label scoring: for each field in target order, the candidate with the highest log-likelihood
 * given the prompt and the fields chosen so far. No output parser is involved.
 */
export function classifyByScoring(m: LoadedModel, log: string, c: Candidates, maxSequenceLength = m.model.config.maxPositionEmbeddings): Prediction['predicted'] {
  const prompt = formatPrompt(INSTRUCTION, fitLog(m.tokenizer, log, Math.min(maxSequenceLength, m.model.config.maxPositionEmbeddings) - ANSWER_ROOM));
  let lines = lineTokens.get(m.tokenizer);
  if (lines === undefined) {
    const probe = new LineTokens(m.tokenizer);
    lines = probe.consistent(prompt, ['THREAT_CATEGORY: sql-injection', 'MITRE_TECHNIQUE: T1190 (Exploit Public-Facing Application)', 'SEVERITY: HIGH']) ? probe : null;
    lineTokens.set(m.tokenizer, lines);
  }
  const scorer = lines ? new IncrementalScorer(m.model, m.tokenizer, m.tokenizer.encode(prompt, { addBos: true })) : null;
  let text = prompt;
  const pick = <T>(field: string, values: readonly T[], show: (v: T) => string): T => {
    let best: number;
    if (values.length === 1) {
      // One candidate: nothing to score, but the line is part of the context for the next field.
      if (lines && scorer) scorer.append(lines.line(`${field}: ${show(values[0]!)}`));
      text += `${field}: ${show(values[0]!)}\n`;
      return values[0]!;
    }
    if (lines && scorer) {
      // Leading tokens shared by every candidate line extend the context; the rest is scored.
      const ids = values.map((v) => lines!.line(`${field}: ${show(v)}`));
      let common = 0;
      while (ids.every((x) => common < x.length - 1 && x[common] === ids[0]![common])) common++;
      scorer.append(ids[0]!.slice(0, common));
      best = scorer.score(ids.map((x) => x.slice(common))).best;
      scorer.append(ids[best]!.slice(common));
    } else {
      best = scoreLabels(m.model, m.tokenizer, `${text}${field}: `, values.map((v) => `${show(v)}\n`)).best;
    }
    text += `${field}: ${show(values[best]!)}\n`;
    return values[best]!;
  };
  try {
    const category = pick('THREAT_CATEGORY', THREAT_CATEGORIES, (v) => v);
    // Consistent candidates: a category the training data never showed gets no technique and no tactic.
    const allowed = c.byCategory ? (c.byCategory[category] ?? { techniques: [null], tacticsByTechnique: { null: [null] } }) : undefined;
    const technique = pick('MITRE_TECHNIQUE', allowed?.techniques ?? c.techniques, techniqueText);
    const tactic = pick('MITRE_TACTIC', allowed?.tacticsByTechnique[String(technique)] ?? c.tactics, tacticText);
    const severity = pick('SEVERITY', SEVERITIES, (v) => v);
    return { threatCategory: category, mitreTechnique: technique, mitreTechniqueParent: techniqueParent(technique), mitreTactic: tactic, severity };
  } finally {
    scorer?.dispose();
  }
}

/** Generation is capped and stops at THREAT_TYPE: the four scored fields come first and fit well within this. */
export const MAX_NEW_TOKENS = 48;

/** Predictions for the given records in each requested mode (generation is shared by strict and fuzzy). */
export async function predictRecords(m: LoadedModel, records: DatasetRecord[], modes: ClassificationMode[], c: Candidates, fold: number, maxSequenceLength: number, onProgress?: (done: number) => void): Promise<Map<ClassificationMode, Prediction[]>> {
  const promptTokens = Math.min(maxSequenceLength, m.model.config.maxPositionEmbeddings) - ANSWER_ROOM;
  const out = new Map<ClassificationMode, Prediction[]>(modes.map((mode) => [mode, []]));
  if (modes.includes('label-scoring')) {
    for (const [i, r] of records.entries()) {
      out.get('label-scoring')!.push({ recordId: r.id, fold, mode: 'label-scoring', predicted: classifyByScoring(m, r.log, c, maxSequenceLength) });
      onProgress?.(i);
      // Yield so heartbeats and cancellation get through between records.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
  const generating = modes.filter((mode) => mode !== 'label-scoring');
  if (generating.length > 0) {
    const batch = 8;
    for (let i = 0; i < records.length; i += batch) {
      const slice = records.slice(i, i + batch);
      const results = await generate(m.model, m.tokenizer, slice.map((r) => formatPrompt(INSTRUCTION, fitLog(m.tokenizer, r.log, promptTokens))), {
        maxNewTokens: MAX_NEW_TOKENS, batchSize: batch, stopSequences: [...DEFAULT_STOP_SEQUENCES, '\nTHREAT_TYPE:'],
      });
      slice.forEach((r, j) => {
        const text = results[j]!.text;
        for (const mode of generating) {
          const parsed = parsedToPrediction(mode === 'generate-strict' ? parseStrict(text) : parseFuzzy(text));
          out.get(mode)!.push({ recordId: r.id, fold, mode, predicted: parsed.predicted, failures: parsed.failures as Record<string, string>, raw: text });
        }
      });
      onProgress?.(i);
    }
  }
  return out;
}
