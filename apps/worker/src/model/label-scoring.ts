/**
 * Label scoring: for each field in target order, the candidate with the highest score given the
 * prompt and the fields chosen so far; no output parser is involved. Scores:
 *  - 'sum': summed log-likelihood of the candidate's tokens (favours short candidates);
 *  - 'mean': per-token mean log-likelihood;
 *  - 'calibrated': summed log-likelihood minus the same under a content-free prompt (the log
 *    replaced by "N/A", same earlier choices), which removes the candidate's prior.
 */
import { SEVERITIES, THREAT_CATEGORIES, type DatasetRecord, type LabelScoring, type Prediction } from '@opensoc/contracts';
import { techniqueParent } from '@opensoc/eval';
import { IncrementalScorer, KVCache, scoreLabels, tf, type LabelScores, type Tokenizer } from '@opensoc/model';
import type { LoadedModel } from './model-cache.ts';
import { ANSWER_ROOM, fitLog, promptFormatter, tacticText, techniqueText, type PromptFormatter } from './prompt-format.ts';

export { LABEL_SCORINGS, type LabelScoring } from '@opensoc/contracts';

export { ANSWER_ROOM } from './prompt-format.ts';

/** The log of the content-free prompt used by 'calibrated' scoring. */
export const CONTENT_FREE_LOG = 'N/A';

/**
 * Candidate answers for label scoring, from the training records (the model can only know those).
 * With `byCategory`, the category is chosen among those training records carry, then technique and
 * tactic only among the pairs training records of the chosen category (and technique) carry, so
 * every answer is a label combination that exists.
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
  for (const category of new Set(train.flatMap((r) => (r.threatCategory === null ? [] : [r.threatCategory])))) {
    const rs = train.filter((r) => r.threatCategory === category);
    const techniques = sortedUnique(rs.map((r) => r.mitreTechnique));
    c.byCategory[category] = { techniques, tacticsByTechnique: Object.fromEntries(techniques.map((t) => [String(t), sortedUnique(rs.filter((r) => r.mitreTechnique === t).map((r) => r.mitreTactic))])) };
  }
  return c;
}

/**
 * Token ids of lines as they appear after a newline inside a longer text. Tokenizers that never
 * merge across a newline let the ids of a response be assembled line by line and each distinct
 * line encoded once: label scoring then costs one tokenizer call per record instead of one per
 * candidate. `consistent()` checks the assumption for the tokenizer at hand.
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
const formatters = new WeakMap<LoadedModel, Map<string, PromptFormatter>>();

/** The model's formatter for a prompt format (memoised per model). */
export function formatterOf(m: LoadedModel, format: PromptFormatter['format'] = 'opensoc-ai'): PromptFormatter {
  let byFormat = formatters.get(m);
  if (!byFormat) formatters.set(m, (byFormat = new Map()));
  let f = byFormat.get(format);
  if (!f) byFormat.set(format, (f = promptFormatter(m, format)));
  return f;
}

function lineTokensFor(f: PromptFormatter, prompt: string): LineTokens | null {
  let lines = lineTokens.get(f.tokenizer);
  if (lines === undefined) {
    const probe = new LineTokens(f.tokenizer);
    lines = probe.consistent(prompt, ['THREAT_CATEGORY: sql-injection', 'MITRE_TECHNIQUE: T1190 (Exploit Public-Facing Application)', 'SEVERITY: HIGH']) ? probe : null;
    lineTokens.set(f.tokenizer, lines);
  }
  return lines;
}

function rank(s: LabelScores, scoring: LabelScoring, prior: LabelScores | null): number {
  const v = scoring === 'mean' ? s.meanScores : scoring === 'calibrated' ? s.scores.map((x, i) => x - prior!.scores[i]!) : s.scores;
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i]! > v[best]!) best = i;
  return best;
}

/**
 * Prompt prefixes every record's scoring starts with, run through the model once: the prompt up to
 * the log (the instruction), and the whole content-free prompt of 'calibrated' scoring. A scorer
 * then copies the longest matching prefix's KV cache and runs only the rest. Made for one model
 * state: create it after training or merging, dispose it when the pass is over.
 */
export class SharedPrefixes {
  private readonly prefixes: { ids: number[]; cache: KVCache }[] = [];
  constructor(private readonly m: LoadedModel, format: PromptFormatter['format'] = 'opensoc-ai') {
    const f = formatterOf(m, format);
    // The tokens two very different logs share, less the last one (it could merge with a log's first characters).
    const a = f.promptIds('A');
    const b = f.promptIds('{"z": 9}');
    let common = 0;
    while (common < a.length && common < b.length && a[common] === b[common]) common++;
    this.add(a.slice(0, Math.max(0, common - 1)));
    const free = f.promptIds(CONTENT_FREE_LOG);
    this.add(free.slice(0, free.length - 1));
  }
  private add(ids: number[]): void {
    if (ids.length < 2) return;
    const cache = new KVCache(this.m.model.config.numHiddenLayers, 1);
    tf.tidy(() => { this.m.model.forward({ ids, batch: 1, seqLen: ids.length, select: 'last', cache }); }); // the cache keeps its own tensors
    this.prefixes.push({ ids, cache });
  }
  /** A scorer of `ids` that starts from the longest stored prefix of them (or from scratch). */
  scorer(tok: Tokenizer, ids: number[]): IncrementalScorer {
    const best = this.prefixes
      .filter((p) => p.ids.length < ids.length && p.ids.every((id, i) => ids[i] === id))
      .sort((x, y) => y.ids.length - x.ids.length)[0];
    return best ? new IncrementalScorer(this.m.model, tok, ids.slice(best.ids.length), best.cache) : new IncrementalScorer(this.m.model, tok, ids);
  }
  dispose(): void {
    for (const p of this.prefixes) p.cache.dispose();
    this.prefixes.length = 0;
  }
}

export interface ScoringOptions {
  maxSequenceLength?: number;
  format?: PromptFormatter['format'];
  scoring?: LabelScoring;
  /** Shared prompt prefixes of this model state and format (see SharedPrefixes); saves their recomputation per record. */
  prefixes?: SharedPrefixes;
}

/** Label scoring of one log (see the module comment for the scores). */
export function classifyByScoring(m: LoadedModel, log: string, c: Candidates, opts: ScoringOptions | number = {}): Prediction['predicted'] {
  const o: ScoringOptions = typeof opts === 'number' ? { maxSequenceLength: opts } : opts;
  const scoring = o.scoring ?? 'sum';
  const f = formatterOf(m, o.format);
  const tok = f.tokenizer;
  const maxLen = Math.min(o.maxSequenceLength ?? m.model.config.maxPositionEmbeddings, m.model.config.maxPositionEmbeddings);
  const fitted = fitLog(f, log, maxLen - ANSWER_ROOM);
  const prompt = f.prompt(fitted);
  const lines = lineTokensFor(f, prompt);
  const start = (ids: number[]) => (o.prefixes ? o.prefixes.scorer(tok, ids) : new IncrementalScorer(m.model, tok, ids));
  const scorer = lines ? start(f.promptIds(fitted)) : null;
  const prior = lines && scoring === 'calibrated' ? start(f.promptIds(CONTENT_FREE_LOG)) : null;
  let text = prompt;
  let priorText = f.prompt(CONTENT_FREE_LOG);
  const pick = <T>(field: string, values: readonly T[], show: (v: T) => string): T => {
    let best: number;
    if (values.length === 1 && lines && scorer) {
      // One candidate (e.g. the only technique training records carry for the chosen category): nothing to rank.
      const ids = lines.line(`${field}: ${show(values[0]!)}`);
      scorer.append(ids);
      prior?.append(ids);
      best = 0;
    } else if (lines && scorer) {
      // Leading tokens shared by every candidate line extend the context; the rest is scored.
      const ids = values.map((v) => lines.line(`${field}: ${show(v)}`));
      let common = 0;
      while (ids.every((x) => common < x.length - 1 && x[common] === ids[0]![common])) common++;
      const conts = ids.map((x) => x.slice(common));
      scorer.append(ids[0]!.slice(0, common));
      prior?.append(ids[0]!.slice(0, common));
      best = rank(scorer.score(conts), scoring, prior ? prior.score(conts) : null);
      scorer.append(ids[best]!.slice(common));
      prior?.append(ids[best]!.slice(common));
    } else {
      const cands = values.map((v) => `${show(v)}\n`);
      const s = scoreLabels(m.model, tok, `${text}${field}: `, cands);
      best = rank(s, scoring, scoring === 'calibrated' ? scoreLabels(m.model, tok, `${priorText}${field}: `, cands) : null);
    }
    text += `${field}: ${show(values[best]!)}\n`;
    priorText += `${field}: ${show(values[best]!)}\n`;
    return values[best]!;
  };
  try {
    // Consistent candidates: only the categories training records carry (the others cannot have been learned).
    const categories = c.byCategory ? THREAT_CATEGORIES.filter((x) => c.byCategory![x] !== undefined) : THREAT_CATEGORIES;
    const category = pick('THREAT_CATEGORY', categories.length > 0 ? categories : THREAT_CATEGORIES, (v) => v);
    // Consistent candidates: a category the training data never showed gets no technique and no tactic.
    const allowed = c.byCategory ? (c.byCategory[category] ?? { techniques: [null], tacticsByTechnique: { null: [null] } }) : undefined;
    const technique = pick('MITRE_TECHNIQUE', allowed?.techniques ?? c.techniques, techniqueText);
    const tactic = pick('MITRE_TACTIC', allowed?.tacticsByTechnique[String(technique)] ?? c.tactics, tacticText);
    const severity = pick('SEVERITY', SEVERITIES, (v) => v);
    return { threatCategory: category, mitreTechnique: technique, mitreTechniqueParent: techniqueParent(technique), mitreTactic: tactic, severity };
  } finally {
    scorer?.dispose();
    prior?.dispose();
  }
}
