import { describe, expect, it } from 'vitest';
import { claimsRows, dropInterval, modeRows, perClassRows, renderStudyMarkdown, studyVerdict, type StudyDesignResult, type StudyEntry, type StudyReport } from './study-report.ts';
import { renderStudyHtml, studyFigures, svgToPng } from './study-figures.ts';
import type { TaskMetrics } from '@opensoc/contracts';

const entry = (label: string, family: string, accuracy: number, n = 50): StudyEntry => ({
  runId: `run-${label}`, family, label, mode: family === 'lora' ? 'label-scoring' : 'baseline', n, accuracy, accuracyLow: Math.max(0, accuracy - 0.1), accuracyHigh: Math.min(1, accuracy + 0.1), macroF1: accuracy - 0.05,
});

function design(key: StudyDesignResult['key'], lora: number, nn: number, opts: { p?: number; onlyLora?: number; onlyBaseline?: number; shared?: number } = {}): StudyDesignResult {
  const entries = [entry('r16-a32', 'lora', lora), entry('baseline-tfidf-logreg', 'tfidf-logreg', nn), entry('baseline-majority', 'majority', 0.08)];
  const p = opts.p ?? 0.01;
  return {
    key, sweepId: `sweep-${key}`, specHash: 'a'.repeat(64), splitHash: 'b'.repeat(64),
    entries: { threatCategory: entries, severity: entries.map((e) => ({ ...e, accuracy: e.accuracy - 0.1 })) },
    comparisons: [{ task: 'threatCategory', baseline: 'baseline-tfidf-logreg', onlyLora: opts.onlyLora ?? 2, onlyBaseline: opts.onlyBaseline ?? 12, n: 50, p, pAdjusted: Math.min(1, 2 * p), direction: p * 2 < 0.05 ? (((opts.onlyLora ?? 2) > (opts.onlyBaseline ?? 12)) ? 'better' : 'worse') : 'none' }],
    leakage: { testRecords: key === 'fixed' ? 50 : 500, sharedTemplate: opts.shared ?? (key === 'fixed' ? 37 : 0), exactDuplicates: 0, nearDuplicates: 0 },
  };
}

const report = (designs: StudyDesignResult[]): StudyReport => ({
  lineage: { k: 5, codeCommit: 'c0ffee', command: 'opensoc study opensoc-ai --scale demo', generatedAt: '2026-12-01T00:00:00Z', scale: 'demo', data: [{ name: 'opensoc-ai', hash: 'd'.repeat(64) }], model: { name: 'smollm2-135m-instruct', sha256: 'e'.repeat(64) } },
  designs,
});

describe('study verdict (generated from the numbers)', () => {
  it('states the claim test, who wins under template-grouped CV with its p-value, the drop and the leakage', () => {
    const v = studyVerdict(report([design('fixed', 0.9, 0.96), design('stratified', 0.85, 0.95), design('grouped', 0.4, 0.7, { p: 0.003 })]));
    expect(v[0]).toBe("On the study's own split, LoRA (r16-a32) reaches 90.0% threat type accuracy (95% CI 80.0%-100.0%, n=50): above the study's 68.0%.");
    expect(v.join('\n')).toContain('On template-grouped CV the baseline-tfidf-logreg baseline (70.0%) beats LoRA (40.0%) on threat type, McNemar p=0.0030 (Holm 0.0060): LoRA significantly worse.');
    expect(v.join('\n')).toMatch(/changes by -50\.0 pts for LoRA \(95% CI -\d+\.\d to -\d+\.\d, a significant drop\), -26\.0 pts for baseline-tfidf-logreg \(95% CI -\d+\.\d to -\d+\.\d, a significant drop\)/);
    expect(v.join('\n')).toContain('37 of 50 test records of the study\'s split share a template with its training data, against 0 of 500 under template-grouped CV.');
    // Stratified vs template-grouped folds: same procedure, so the difference is what seen templates are worth
    // (the interval counts whole records: 85% of 50 is 43 right, so the difference is 46 points).
    expect(v.at(-1)).toMatch(/^With the same 5-fold procedure on the same records, template-grouped folds instead of stratified ones \(0 of 500 stratified test records share a template with their training fold\) change LoRA's threat-type accuracy by -46\.0 pts \(85\.0% to 40\.0%; 95% CI -\d+\.\d to -\d+\.\d, .*a significant drop\)/);
  });

  it('leaves out the stratified-vs-grouped clause when LoRA did not run under stratified CV', () => {
    const noLora = (d: StudyDesignResult): StudyDesignResult => ({ ...d, entries: { threatCategory: d.entries.threatCategory!.filter((e) => e.family !== 'lora') } });
    const v = studyVerdict(report([design('fixed', 0.9, 0.96), noLora(design('stratified', 0.85, 0.95)), design('grouped', 0.4, 0.7)])).join('\n');
    expect(v).not.toContain('instead of stratified ones');
  });

  it('changes when the numbers change: LoRA ahead, a claim missed, no significance', () => {
    const v = studyVerdict(report([design('fixed', 0.5, 0.4, { p: 0.5 }), design('grouped', 0.75, 0.6, { p: 0.4, onlyLora: 9, onlyBaseline: 2 })])).join('\n');
    expect(v).toContain("reaches 50.0% threat type accuracy (95% CI 40.0%-60.0%, n=50): below the study's 68.0%");
    expect(v).toContain('reaches 40.0% severity accuracy');
    expect(v).toContain('the baseline-tfidf-logreg baseline (60.0%) trails LoRA (75.0%) on threat type, McNemar p=0.4000 (Holm 0.8000): no detectable difference');
    expect(v).not.toContain('beats');
  });

  it('says plainly when LoRA was not run on a design', () => {
    const noLora = (d: StudyDesignResult): StudyDesignResult => ({ ...d, comparisons: [], entries: { threatCategory: d.entries.threatCategory!.filter((e) => e.family !== 'lora') } });
    const v = studyVerdict(report([noLora(design('fixed', 0.9, 0.96)), noLora(design('grouped', 0.4, 0.7))])).join('\n');
    expect(v).toContain("No LoRA entry was measured on the study's split for threat type, so its 68.0% claim is not tested here.");
    expect(v).toContain('On template-grouped CV the best baseline is baseline-tfidf-logreg at 70.0% threat type; LoRA was not run on this design at this scale.');
  });
});

describe('study report tables', () => {
  it('puts the study claim next to each method per design, with the drop from (a) to (c)', () => {
    const r = report([design('fixed', 0.9, 0.96), design('stratified', 0.85, 0.95), design('grouped', 0.4, 0.7)]);
    const rows = claimsRows(r).filter((x) => x[0] === 'threat type');
    expect(rows[0]).toEqual(['threat type', 'study claims (TinyLlama-1.1B, LoRA)', '68.0%', '-', '-', '-', '-']);
    const lora = rows.find((x) => x[1].startsWith('best LoRA'))!;
    expect(lora.slice(2, 5)).toEqual(['90.0% [80.0%, 100.0%] F1 85.0%', '85.0% [75.0%, 95.0%] F1 80.0%', '40.0% [30.0%, 50.0%] F1 35.0%']);
    const d = dropInterval({ accuracy: 0.9, n: 50 }, { accuracy: 0.4, n: 50 });
    expect(lora[5]).toBe(`50.0 pts [${(100 * d.low).toFixed(1)}, ${(100 * d.high).toFixed(1)}]`);
    expect(d.low).toBeGreaterThan(0.3);
    expect(d.high).toBeLessThan(0.7);
    const md = renderStudyMarkdown(r);
    expect(md).toContain('| threat type | best LoRA (r16-a32) | 90.0% \\[80.0%, 100.0%\\] F1 85.0% |');
    expect(md).toContain(`- base model: smollm2-135m-instruct sha256 \`${'e'.repeat(64)}\``);
    expect(md).toContain('spec sha256');
  });
});

const metrics = (task: TaskMetrics['task'], labels: string[], matrix: number[][]): TaskMetrics => ({
  task, n: matrix.flat().reduce((a, b) => a + b, 0), accuracy: 0.5, accuracyInterval: { low: 0.4, high: 0.6, method: 'wilson', level: 0.95 }, macroF1: 0.5, microF1: 0.5, weightedF1: 0.5, parseFailures: 0,
  perClass: labels.map((label, i) => ({ label, precision: 0.5, recall: 0.5, f1: i / 10, support: matrix[i]!.reduce((a, b) => a + b, 0) })),
  confusion: { labels, matrix },
});

describe('study report details and figures', () => {
  const withDetails = (d: StudyDesignResult): StudyDesignResult => ({
    ...d,
    details: [
      { label: 'r16-a32', family: 'lora', runId: 'run-lora', mode: 'label-scoring', metrics: [metrics('threatCategory', ['benign', 'sql-injection'], [[3, 1], [0, 4]]), metrics('severity', ['HIGH', 'LOW'], [[2, 0], [1, 5]])], lossCurve: [{ step: 1, loss: 3 }, { step: 2, loss: 1 }] },
      { label: 'baseline-tfidf-logreg', family: 'tfidf-logreg', runId: 'run-tfidf', mode: 'baseline', metrics: [metrics('threatCategory', ['benign', 'xss'], [[4, 0], [1, 3]])], lossCurve: [] },
    ],
  });
  const r = report([withDetails(design('fixed', 0.9, 0.96)), design('grouped', 0.4, 0.7)]);

  it('per-class F1 of the detailed entries side by side, over the union of their classes', () => {
    const pc = perClassRows(r.designs[0]!, 'threatCategory');
    expect(pc.headers).toEqual(['class', 'support', 'F1 r16-a32', 'F1 baseline-tfidf-logreg']);
    expect(pc.rows).toEqual([['benign', '4', '0.000', '0.000'], ['sql-injection', '4', '0.100', '-'], ['xss', '4', '-', '0.100']]);
    expect(perClassRows(r.designs[1]!, 'threatCategory').rows).toEqual([]);
  });

  it('draws accuracy by design, confusion matrices and the loss curve; PNG export and the page embed them', () => {
    const figs = studyFigures(r);
    expect(figs.map((f) => f.file)).toEqual([
      'accuracy-by-design.svg', 'confusion-fixed-r16-a32-threatCategory.svg', 'confusion-fixed-r16-a32-severity.svg', 'loss-fixed-r16-a32.svg', 'confusion-fixed-baseline-tfidf-logreg-threatCategory.svg',
    ]);
    for (const f of figs) expect(f.svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"[\s\S]*<\/svg>$/);
    expect(figs[0]!.svg).toContain('study claims 68%');
    const png = svgToPng(figs[1]!.svg);
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const html = renderStudyHtml(r, figs, 'study-figures');
    expect(html).toContain('<h2>Verdict (generated from the numbers)</h2>');
    expect(html).toContain('href="study-figures/loss-fixed-r16-a32.png"');
    expect(html.match(/<svg /g)).toHaveLength(figs.length);
    const md = renderStudyMarkdown(r, figs.map((f) => ({ file: `study-figures/${f.file}`, title: f.title })));
    expect(md).toContain('## Per-class F1: (a) study\'s fixed 450/50 split');
    expect(md).toContain('![r16-a32: training loss, (a) study\'s fixed 450/50 split](study-figures/loss-fixed-r16-a32.svg)');
  });
});

describe('study verdict on rule baselines', () => {
  it('says keyword rules are a reference and names the best learned baseline', () => {
    const d = design('fixed', 0.9, 0.96);
    const withRules: StudyDesignResult = { ...d, entries: { ...d.entries, threatCategory: [entry('baseline-keyword-rules', 'keyword-rules', 1), ...d.entries.threatCategory!] } };
    const v = studyVerdict(report([withRules])).join('\n');
    expect(v).toContain("On the study's split the keyword rules (100.0%) were written with this kind of log in view, so they are a reference rather than an independent method; the best learned baseline is baseline-tfidf-logreg at 96.0% threat type.");
  });
});

describe('study report: classification modes', () => {
  it('puts the strict parser, the fuzzy parser and label scoring of each model entry side by side', () => {
    const d = design('fixed', 0.9, 0.96);
    const lora = (mode: string, accuracy: number) => ({ ...entry('r16-a32', 'lora', accuracy), mode });
    const r = report([{ ...d, byMode: { threatCategory: [lora('label-scoring', 0.9), lora('generate-fuzzy', 0.7), lora('generate-strict', 0)] } }]);
    expect(modeRows(r)).toEqual([["(a) study's fixed 450/50 split", 'threat type', 'r16-a32', '0.0% [0.0%, 10.0%]', '70.0% [60.0%, 80.0%]', '90.0% [80.0%, 100.0%]']]);
    expect(renderStudyMarkdown(r)).toContain('| generate + strict parser | generate + fuzzy parser | label scoring (no parser) |');
  });
});
