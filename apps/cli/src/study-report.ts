/**
 * The OpenSOC-AI study report: the paper's claims next to what the platform measured, per
 * evaluation design, with paired tests and leakage. Pure functions of the measured numbers, so
 * the verdict is derived from them (never written by hand) and unit-testable.
 */
import type { SignificanceDirection, Task, TaskMetrics } from '@opensoc/contracts';
import { escapeMarkdown, newcombeDifference } from '@opensoc/eval';
import { table } from './format.ts';

export const STUDY_DESIGNS = ['fixed', 'stratified', 'grouped'] as const;
export type StudyDesignKey = (typeof STUDY_DESIGNS)[number];
/** Column and row titles of the designs; k is the fold count of the CV designs. */
export const designTitles = (k: number): Record<StudyDesignKey, string> => ({
  fixed: "(a) study's fixed 450/50 split",
  stratified: `(b) ${k}-fold stratified CV`,
  grouped: `(c) ${k}-fold template-grouped CV`,
});

/** The tasks the study reports, with its claimed accuracy where it states one (TinyLlama-1.1B, LoRA r=16). */
export const STUDY_TASKS: { task: Task; name: string; claim: number | null }[] = [
  { task: 'threatCategory', name: 'threat type', claim: 0.68 },
  { task: 'mitreTechnique', name: 'technique', claim: null },
  { task: 'mitreTactic', name: 'tactic', claim: null },
  { task: 'severity', name: 'severity', claim: 0.58 },
];

/** One leaderboard entry as the report needs it (a method's best mode on one design and task). */
export interface StudyEntry { runId: string; /** Leaderboard entry id (what `opensoc reproduce` takes). */ entryId?: string; family: string; label: string; mode: string; n: number; accuracy: number; accuracyLow: number; accuracyHigh: number; macroF1: number }
/** McNemar of the best LoRA against one baseline, Holm-adjusted over the baselines of that design and task. */
export interface StudyComparison { task: Task; baseline: string; onlyLora: number; onlyBaseline: number; n: number; p: number; pAdjusted: number; direction: SignificanceDirection }
export interface StudyLeakage { testRecords: number; sharedTemplate: number; exactDuplicates: number; nearDuplicates: number }
/** Pooled metrics (per class, confusion) and the loss curve of one entry a design's report shows in detail. */
export interface StudyDetail { label: string; family: string; runId: string; mode: string; metrics: TaskMetrics[]; lossCurve: { step: number; loss: number }[] }
export interface StudyDesignResult {
  key: StudyDesignKey; sweepId: string; specHash: string; splitHash: string;
  /** The best LoRA entry and the best baseline on threat type, in detail. */
  details?: StudyDetail[];
  /** Best entry per method (label) and task; LoRA entries have family 'lora'. */
  entries: Partial<Record<Task, StudyEntry[]>>;
  /** The model entries (LoRA, untuned model) in every classification mode they were evaluated in. */
  byMode?: Partial<Record<Task, StudyEntry[]>>;
  comparisons: StudyComparison[];
  leakage: StudyLeakage;
}
export interface StudyLineage { k: number; codeCommit: string; command: string; generatedAt: string; data: { name: string; hash: string }[]; model: { name: string; sha256: string | null }; scale: string }
export interface StudyReport { lineage: StudyLineage; designs: StudyDesignResult[] }

const pc = (x: number) => `${(100 * x).toFixed(1)}%`;
/** Baselines that learn from the training records (as opposed to fixed rules or the majority class). */
const LEARNED_BASELINES = new Set(['tfidf-logreg', 'nearest-neighbour']);
const pv = (p: number) => (p < 1e-4 ? p.toExponential(1) : p.toFixed(4));
const withCi = (e: StudyEntry) => `${pc(e.accuracy)} [${pc(e.accuracyLow)}, ${pc(e.accuracyHigh)}]`;

/** Keeps each method's best entry (its best classification mode) per task, ordered by accuracy. */
export function bestPerMethod(entries: readonly StudyEntry[]): StudyEntry[] {
  const best = new Map<string, StudyEntry>();
  for (const e of entries) {
    const seen = best.get(e.label);
    if (!seen || e.accuracy > seen.accuracy) best.set(e.label, e);
  }
  return [...best.values()].sort((a, b) => b.accuracy - a.accuracy || a.label.localeCompare(b.label));
}

export const bestLora = (entries: readonly StudyEntry[] | undefined) => entries?.filter((e) => e.family === 'lora').sort((a, b) => b.accuracy - a.accuracy)[0];
const baselinesOf = (entries: readonly StudyEntry[] | undefined) => bestPerMethod(entries ?? []).filter((e) => e.family !== 'lora');
const designOf = (r: StudyReport, key: StudyDesignKey) => r.designs.find((d) => d.key === key);

/** Rows of the "study claims vs measured here" table: one per task and method, a column per design. */
export function claimsRows(r: StudyReport): string[][] {
  const rows: string[][] = [];
  for (const t of STUDY_TASKS) {
    const methods = new Map<string, { name: string; family: string }>();
    for (const d of r.designs) {
      const lora = bestLora(d.entries[t.task]);
      if (lora) methods.set('lora', { name: 'best LoRA', family: 'lora' });
      for (const b of baselinesOf(d.entries[t.task])) methods.set(b.label, { name: b.label, family: b.family });
    }
    rows.push([t.name, 'study claims (TinyLlama-1.1B, LoRA)', ...STUDY_DESIGNS.map((k) => (k === 'fixed' && t.claim !== null ? pc(t.claim) : '-')), '-', '-']);
    for (const [key, m] of methods) {
      const at = (k: StudyDesignKey) => {
        const es = designOf(r, k)?.entries[t.task];
        return key === 'lora' ? bestLora(es) : baselinesOf(es).find((e) => e.label === key);
      };
      const cells = STUDY_DESIGNS.map((k) => { const e = at(k); return e ? `${withCi(e)} F1 ${pc(e.macroF1)}` : 'not run'; });
      const a = at('fixed'); const c = at('grouped');
      const drop = a && c ? formatDrop(a, c) : '-';
      rows.push([t.name, key === 'lora' ? `best LoRA (${[...new Set(STUDY_DESIGNS.map((k) => at(k)?.label).filter(Boolean))].join(' / ')})` : m.name, ...cells, drop, a ? a.mode : c?.mode ?? '-']);
    }
  }
  return rows;
}
export const claimsHeaders = (r: StudyReport) => ['task', 'method', ...STUDY_DESIGNS.map((k) => designTitles(r.lineage.k)[k]), 'drop (a)->(c) [95% CI]', 'mode'];

/**
 * Accuracy on the study's split minus accuracy under template-grouped CV, with Newcombe's interval
 * for a difference of independent proportions (the two designs test different record sets).
 */
export function dropInterval(a: Pick<StudyEntry, 'accuracy' | 'n'>, c: Pick<StudyEntry, 'accuracy' | 'n'>) {
  return newcombeDifference(Math.round(a.accuracy * a.n), a.n, Math.round(c.accuracy * c.n), c.n);
}
const pts = (x: number) => `${(100 * x).toFixed(1)}`;
/** Whether a drop's interval excludes zero, in words. */
const dropSignificance = (d: { low: number; high: number }) => (d.low > 0 ? 'a significant drop' : d.high < 0 ? 'a significant rise' : 'not significant');
function formatDrop(a: StudyEntry, c: StudyEntry): string {
  const d = dropInterval(a, c);
  return `${pts(d.difference)} pts [${pts(d.low)}, ${pts(d.high)}]`;
}

/** Per-class precision/recall/F1 of the detailed entries of a design on one task, one column pair per entry. */
export function perClassRows(d: StudyDesignResult, task: Task): { headers: string[]; rows: string[][] } {
  const details = (d.details ?? []).filter((x) => x.metrics.some((m) => m.task === task));
  const metrics = details.map((x) => x.metrics.find((m) => m.task === task)!);
  const labels = [...new Set(metrics.flatMap((m) => m.perClass.map((c) => c.label)))].sort();
  const headers = ['class', 'support', ...details.map((x) => `F1 ${x.label}`)];
  const rows = labels.map((label) => {
    const support = metrics.map((m) => m.perClass.find((c) => c.label === label)?.support).find((v) => v !== undefined) ?? 0;
    return [label, String(support), ...metrics.map((m) => { const c = m.perClass.find((x) => x.label === label); return c ? c.f1.toFixed(3) : '-'; })];
  });
  return { headers, rows };
}

export function comparisonRows(r: StudyReport): string[][] {
  return r.designs.flatMap((d) => d.comparisons.map((c) => [
    designTitles(r.lineage.k)[d.key], STUDY_TASKS.find((t) => t.task === c.task)?.name ?? c.task, c.baseline, String(c.n), String(c.onlyLora), String(c.onlyBaseline), pv(c.p), pv(c.pAdjusted),
    c.direction === 'better' ? 'LoRA better' : c.direction === 'worse' ? 'LoRA WORSE' : 'no detectable difference',
  ]));
}
export const COMPARISON_HEADERS = ['design', 'task', 'baseline', 'n', 'only LoRA right', 'only baseline right', 'p', 'p (Holm)', 'direction'];

/**
 * Strict parser vs fuzzy parser vs label scoring, per model entry and task: the same trained model
 * read three ways, so the cost of a brittle parser is visible next to the parser-free number.
 */
export function modeRows(r: StudyReport): string[][] {
  const rows: string[][] = [];
  for (const d of r.designs) {
    for (const t of STUDY_TASKS) {
      const es = d.byMode?.[t.task] ?? [];
      for (const label of [...new Set(es.map((e) => e.label))].sort()) {
        const at = (mode: string) => { const e = es.find((x) => x.label === label && x.mode === mode); return e ? withCi(e) : 'not run'; };
        rows.push([designTitles(r.lineage.k)[d.key], t.name, label, at('generate-strict'), at('generate-fuzzy'), at('label-scoring')]);
      }
    }
  }
  return rows;
}
export const MODE_HEADERS = ['design', 'task', 'entry', 'generate + strict parser', 'generate + fuzzy parser', 'label scoring (no parser)'];

export function leakageRows(r: StudyReport): string[][] {
  return r.designs.map((d) => {
    const l = d.leakage;
    const share = (x: number) => `${x}/${l.testRecords} (${l.testRecords ? pc(x / l.testRecords) : '-'})`;
    return [designTitles(r.lineage.k)[d.key], String(l.testRecords), share(l.sharedTemplate), share(l.exactDuplicates), share(l.nearDuplicates)];
  });
}
export const LEAKAGE_HEADERS = ['design', 'test records (pooled)', 'share a template with train', 'exact duplicates', 'near duplicates'];

/** The verdict in words, every clause computed from the report's numbers. */
export function studyVerdict(r: StudyReport): string[] {
  const out: string[] = [];
  const fixed = designOf(r, 'fixed');
  const grouped = designOf(r, 'grouped');
  for (const t of STUDY_TASKS.filter((x) => x.claim !== null)) {
    const lora = bestLora(fixed?.entries[t.task]);
    if (!lora) { out.push(`No LoRA entry was measured on the study's split for ${t.name}, so its ${pc(t.claim!)} claim is not tested here.`); continue; }
    const rel = lora.accuracyLow > t.claim! ? 'above' : lora.accuracyHigh < t.claim! ? 'below' : 'consistent with';
    out.push(`On the study's own split, LoRA (${lora.label}) reaches ${pc(lora.accuracy)} ${t.name} accuracy (95% CI ${pc(lora.accuracyLow)}-${pc(lora.accuracyHigh)}, n=${lora.n}): ${rel} the study's ${pc(t.claim!)}.`);
  }
  for (const d of [fixed, grouped]) {
    if (!d) continue;
    const where = d.key === 'fixed' ? "On the study's split" : 'On template-grouped CV';
    const top = baselinesOf(d.entries.threatCategory)[0];
    // Keyword rules are hand-written for log shapes like these: a reference, not an independent learner.
    const learned = baselinesOf(d.entries.threatCategory).find((e) => LEARNED_BASELINES.has(e.family));
    if (top && top.family === 'keyword-rules' && learned) {
      out.push(`${where} the keyword rules (${pc(top.accuracy)}) were written with this kind of log in view, so they are a reference rather than an independent method; the best learned baseline is ${learned.label} at ${pc(learned.accuracy)} threat type.`);
    }
    const lora = bestLora(d.entries.threatCategory);
    if (!top) continue;
    if (!lora) { out.push(`${where} the best baseline is ${top.label} at ${pc(top.accuracy)} threat type; LoRA was not run on this design at this scale.`); continue; }
    const c = d.comparisons.find((x) => x.task === 'threatCategory' && x.baseline === top.label);
    const test = c ? `, McNemar p=${pv(c.p)} (Holm ${pv(c.pAdjusted)}): ${c.direction === 'none' ? 'no detectable difference' : c.direction === 'better' ? 'LoRA significantly better' : 'LoRA significantly worse'}` : '';
    const verb = top.accuracy > lora.accuracy ? 'beats' : top.accuracy < lora.accuracy ? 'trails' : 'ties with';
    out.push(`${where} the ${top.label} baseline (${pc(top.accuracy)}) ${verb} LoRA (${pc(lora.accuracy)}) on threat type${test}.`);
  }
  if (fixed && grouped) {
    const drops = [bestLora(fixed.entries.threatCategory) && bestLora(grouped.entries.threatCategory) ? { name: 'LoRA', a: bestLora(fixed.entries.threatCategory)!, c: bestLora(grouped.entries.threatCategory)! } : undefined,
      ...baselinesOf(fixed.entries.threatCategory).slice(0, 2).map((a) => { const c = baselinesOf(grouped.entries.threatCategory).find((x) => x.label === a.label); return c ? { name: a.label, a, c } : undefined; })]
      .filter((x) => x !== undefined);
    if (drops.length) {
      out.push(`From the study's split to template-grouped CV, threat-type accuracy changes by ${drops.map((x) => {
        const d = dropInterval(x.a, x.c);
        return `${pts(-d.difference)} pts for ${x.name} (95% CI ${pts(-d.high)} to ${pts(-d.low)}, ${dropSignificance(d)})`;
      }).join(', ')}.`);
    }
    const lf = fixed.leakage; const lg = grouped.leakage;
    if (lf.testRecords && lg.testRecords) out.push(`${lf.sharedTemplate} of ${lf.testRecords} test records of the study's split share a template with its training data, against ${lg.sharedTemplate} of ${lg.testRecords} under template-grouped CV.`);
  }
  // Same k-fold procedure, same records: stratified vs template-grouped folds isolates what seen templates are worth.
  const stratified = designOf(r, 'stratified');
  const sLora = bestLora(stratified?.entries.threatCategory);
  const gLora = bestLora(grouped?.entries.threatCategory);
  if (stratified && sLora && gLora) {
    const d = dropInterval(sLora, gLora);
    const shared = stratified.leakage.testRecords ? ` (${stratified.leakage.sharedTemplate} of ${stratified.leakage.testRecords} stratified test records share a template with their training fold)` : '';
    out.push(`With the same ${r.lineage.k}-fold procedure on the same records, template-grouped folds instead of stratified ones${shared} change LoRA's threat-type accuracy by ${pts(-d.difference)} pts (${pc(sLora.accuracy)} to ${pc(gLora.accuracy)}; 95% CI ${pts(-d.high)} to ${pts(-d.low)}, Newcombe's interval, which ignores the pairing and is usually the wider; ${dropSignificance(d)}): that part of its accuracy rests on templates seen in training.`);
  }
  return out;
}

export function renderStudyText(r: StudyReport): string {
  return [
    '== study claims vs measured here (accuracy [95% CI], macro-F1) ==', table(claimsHeaders(r), claimsRows(r)),
    '\n== McNemar: best LoRA vs each baseline (Holm over baselines per design and task) ==', comparisonRows(r).length ? table(COMPARISON_HEADERS, comparisonRows(r)) : '(no LoRA entry to compare at this scale)',
    '\n== strict parser vs fuzzy parser vs label scoring (model entries) ==', modeRows(r).length ? table(MODE_HEADERS, modeRows(r)) : '(no model entry at this scale)',
    '\n== leakage per design ==', table(LEAKAGE_HEADERS, leakageRows(r)),
    ...r.designs.flatMap((d) => {
      const pc2 = perClassRows(d, 'threatCategory');
      return pc2.rows.length ? [`\n== per-class F1, threat type, ${designTitles(r.lineage.k)[d.key]} ==`, table(pc2.headers, pc2.rows)] : [];
    }),
    '\n== verdict (generated from the numbers above) ==', ...studyVerdict(r).map((l) => `- ${l}`),
  ].join('\n');
}

const mdTable = (headers: string[], rows: string[][]) =>
  [`| ${headers.map(escapeMarkdown).join(' | ')} |`, `|${headers.map(() => '---').join('|')}|`, ...rows.map((row) => `| ${row.map(escapeMarkdown).join(' | ')} |`)].join('\n');

/** A figure file the Markdown report links to (relative path) with its title. */
export interface StudyFigureRef { file: string; title: string }

export function renderStudyMarkdown(r: StudyReport, figures: StudyFigureRef[] = []): string {
  const l = r.lineage;
  return [
    '# OpenSOC-AI study: claims vs measured here', '',
    `Generated ${l.generatedAt} by \`${l.command}\` (scale ${l.scale}).`, '',
    '## Study claims vs measured here', '', mdTable(claimsHeaders(r), claimsRows(r)), '',
    '## McNemar: best LoRA vs each baseline', '', comparisonRows(r).length ? mdTable(COMPARISON_HEADERS, comparisonRows(r)) : '_No LoRA entry to compare at this scale._', '',
    '## Strict parser vs fuzzy parser vs label scoring', '', modeRows(r).length ? mdTable(MODE_HEADERS, modeRows(r)) : '_No model entry at this scale._', '',
    '## Leakage per design', '', mdTable(LEAKAGE_HEADERS, leakageRows(r)), '',
    ...r.designs.flatMap((d) => {
      const rows = STUDY_TASKS.map((t) => ({ t, pc: perClassRows(d, t.task) })).filter((x) => x.pc.rows.length > 0);
      return rows.length ? [`## Per-class F1: ${designTitles(r.lineage.k)[d.key]}`, '', ...rows.flatMap((x) => [`### ${x.t.name}`, '', mdTable(x.pc.headers, x.pc.rows), ''])] : [];
    }),
    ...(figures.length ? ['## Figures', '', ...figures.map((f) => `![${escapeMarkdown(f.title)}](${f.file})`), ''] : []),
    '## Verdict (generated from the numbers)', '', ...studyVerdict(r).map((v) => `- ${escapeMarkdown(v)}`), '',
    '## Lineage', '',
    `- code commit: \`${l.codeCommit}\``,
    ...l.data.map((d) => `- data: ${d.name}@\`${d.hash}\``),
    `- base model: ${l.model.name} sha256 \`${l.model.sha256 ?? 'unknown'}\``,
    ...r.designs.map((d) => `- ${designTitles(r.lineage.k)[d.key]}: sweep \`${d.sweepId}\`, spec sha256 \`${d.specHash}\`, split \`${d.splitHash}\``),
    '',
    '## Re-running an entry', '',
    'Each entry below re-runs from its recorded lineage and is checked against a tolerance with `opensoc reproduce <entry id>`.', '',
    mdTable(['design', 'method', 'mode', 'threat-type accuracy', 'entry id'], r.designs.flatMap((d) => (d.entries.threatCategory ?? []).filter((e) => e.entryId).map((e) => [designTitles(r.lineage.k)[d.key], e.label, e.mode, pc(e.accuracy), e.entryId!]))),
    '',
  ].join('\n');
}
