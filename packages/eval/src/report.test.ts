import { describe, expect, it } from 'vitest';
import { reportSchema } from '@opensoc/contracts';
import type { DatasetRecord, Prediction } from '@opensoc/contracts';
import { recordLabels } from './format.ts';
import { poolOutOfFold } from './kfold.ts';
import { escapeMarkdown, formatP, renderRunMarkdown, renderSweepMarkdown } from './markdown.ts';
import { buildCochranQ, buildComparisons, buildEntry, buildRunReport, buildSweepReport, rankAlphaGrid } from './report-builder.ts';
import { confusionMatrixSvg, escapeXml, lossCurveSvg, rankAlphaHeatmapSvg, reportFigures } from './svg.ts';

const records: DatasetRecord[] = Array.from({ length: 30 }, (_, i) => ({
  id: `r${String(i).padStart(2, '0')}`,
  log: `log ${i}`,
  source: 'sshd',
  threatCategory: (['benign', 'brute-force', 'sql-injection'] as const)[i % 3]!,
  threatType: 'x',
  mitreTechnique: i % 3 === 0 ? null : i % 3 === 1 ? 'T1110.001' : 'T1190',
  mitreTactic: i % 3 === 0 ? null : i % 3 === 1 ? 'credential-access' : 'initial-access',
  severity: i % 3 === 0 ? 'LOW' : 'HIGH',
  provenance: { origin: 'manual', tool: 'test' },
}));

function entryInput(id: string, wrongEvery: number, extra: Record<string, number> = {}) {
  const preds: Prediction[] = records.map((r, i) => {
    const wrong = i % wrongEvery === 0;
    const labels = recordLabels(r);
    return {
      recordId: r.id,
      fold: i % 3,
      mode: 'generate-fuzzy',
      predicted: wrong ? { ...labels, threatCategory: 'sql-injection', severity: 'CRITICAL' } : labels,
      ...(i === 29 ? { failures: { mitreTactic: 'unrecognized' } } : {}),
    };
  });
  return { id, label: `<${id}> | run`, mode: 'generate-fuzzy', config: extra, pooled: poolOutOfFold(records, preds) };
}

describe('report building and rendering', () => {
  const good = entryInput('good', 10, { rank: 8, alpha: 16 });
  const bad = entryInput('bad', 2, { rank: 4, alpha: 16 });
  const mid = entryInput('mid', 4, { rank: 8, alpha: 32 });
  const entries = [good, bad, mid].map((e) => buildEntry(e, { bootstrap: { iterations: 100, seed: 1 } }));
  const comparisons = buildComparisons([{ a: good, b: bad }, { a: good, b: mid }], { tasks: ['threatCategory', 'severity'], bootstrap: { iterations: 100 } });

  it('produces reports that satisfy the contract schema', () => {
    const run = buildRunReport({ title: 'Run <1>', createdAt: '2026-11-28T00:00:00Z', entry: entries[0]!, baselines: [entries[1]!], comparisons: comparisons.slice(0, 2) });
    expect(reportSchema.parse(run)).toEqual(run);
    const sweep = buildSweepReport({ title: 'Sweep', createdAt: 'now', entries, comparisons, cochranQ: [buildCochranQ([good, bad, mid], 'threatCategory')], grids: [rankAlphaGrid(entries, 'threatCategory')] });
    expect(reportSchema.parse(sweep)).toEqual(sweep);
  });
  it('adjusts p-values across all comparisons (Holm >= BH >= raw)', () => {
    expect(comparisons).toHaveLength(4);
    for (const c of comparisons) {
      expect(c.holmP!).toBeGreaterThanOrEqual(c.bhP!);
      expect(c.bhP!).toBeGreaterThanOrEqual(c.mcnemar.p);
    }
    const cat = comparisons.find((c) => c.task === 'threatCategory' && c.b === 'bad')!;
    // A "wrong" prediction says sql-injection, which is right for i % 3 == 2. good is wrong on
    // i = 0, 10; bad on even i except 2, 8, 14, 20, 26 (10 records, including 0 and 10): b = 8, c = 0.
    expect([cat.mcnemar.b, cat.mcnemar.c]).toEqual([8, 0]);
  });
  it('gives every comparison its direction: better, worse (the same pair reversed) or none', () => {
    const [better] = buildComparisons([{ a: good, b: bad }], { tasks: ['threatCategory'], bootstrap: false });
    const [worse] = buildComparisons([{ a: bad, b: good }], { tasks: ['threatCategory'], bootstrap: false });
    const [tie] = buildComparisons([{ a: good, b: good }], { tasks: ['threatCategory'], bootstrap: false });
    expect([better!.direction, worse!.direction, tie!.direction]).toEqual(['better', 'worse', 'none']);
    expect(better!.holmP).toBe(worse!.holmP);
    const md = renderSweepMarkdown(buildSweepReport({ title: 'S', createdAt: 'now', entries, comparisons: [better!, worse!, tie!] }));
    const rows = md.split('\n').filter((l) => l.startsWith('| threatCategory |'));
    expect(rows.map((r) => (r.includes('A better') ? 'better' : r.includes('A worse') ? 'worse' : r.includes('no detectable difference') ? 'none' : '?'))).toEqual(['better', 'worse', 'none']);
  });
  it('builds the rank × alpha grid with gaps as null', () => {
    const g = rankAlphaGrid(entries, 'threatCategory', 'accuracy');
    expect(g.ranks).toEqual([4, 8]);
    expect(g.alphas).toEqual([16, 32]);
    expect(g.values[0]![1]).toBeNull();
    expect(g.values[1]![0]).toBeCloseTo(28 / 30, 12);
  });
  it('renders run Markdown with intervals, comparisons, per-class tables and escaped labels', () => {
    const md = renderRunMarkdown(buildRunReport({ title: 'Run', createdAt: 'now', entry: entries[0]!, baselines: [entries[1]!], comparisons }));
    expect(md).toContain('Accuracy [95% Wilson]');
    expect(md).toMatch(/\| threatCategory \| 30 \| 0\.933 \[0\.\d{3}, 0\.\d{3}\]/);
    expect(md).toContain('&lt;good&gt; \\| run');
    expect(md).not.toContain('<good>');
    expect(md).toContain('&lt;unparsed&gt;');
    expect(md).toContain('## Paired comparisons');
    expect(md).toContain('### mitreTactic');
  });
  it('renders a sweep leaderboard ordered by macro-F1', () => {
    const md = renderSweepMarkdown(buildSweepReport({ title: 'Sweep *1*', createdAt: 'now', entries, comparisons, cochranQ: [buildCochranQ([good, bad, mid], 'threatCategory')], grids: [rankAlphaGrid(entries, 'threatCategory')] }));
    expect(md.startsWith('# Sweep \\*1\\*')).toBe(true);
    expect(md).toMatch(/\| threatCategory \| 3 \| \d+\.\d{3} \| 2 \| /);
    expect(md).toContain('## Paired comparisons');
    const board = md.split('## Leaderboard: threatCategory')[1]!.split('## ')[0]!;
    expect(board.indexOf('&lt;good&gt;')).toBeLessThan(board.indexOf('&lt;mid&gt;'));
    expect(board.indexOf('&lt;mid&gt;')).toBeLessThan(board.indexOf('&lt;bad&gt;'));
    expect(md).toContain('by LoRA rank × alpha');
    expect(board).toContain('rank=8, alpha=16');
  });
  it('lists the figures of a run and of a sweep', () => {
    const run = buildRunReport({ title: 'Run', createdAt: 'now', entry: { ...entries[0]!, trainLoss: [{ step: 1, loss: 2 }, { step: 2, loss: 1 }] } });
    expect(Object.keys(reportFigures(run)).sort()).toEqual([...entries[0]!.metrics.map((m) => `confusion-${m.task}.svg`), 'train-loss.svg'].sort());
    const sweep = buildSweepReport({ title: 'S', createdAt: 'now', entries, grids: [rankAlphaGrid(entries, 'severity', 'accuracy')] });
    expect(Object.keys(reportFigures(sweep))).toEqual(['grid-severity-accuracy.svg']);
    expect(reportFigures(run)['confusion-threatCategory.svg']).toContain('&lt;good&gt; \| run');
  });
  it('formats p-values and escapes Markdown', () => {
    expect(formatP(0.04321)).toBe('0.0432');
    expect(formatP(1.2e-7)).toBe('1.2e-7');
    expect(escapeMarkdown('a|b*c\n<x>')).toBe('a\\|b\\*c &lt;x&gt;');
  });
});

describe('SVG', () => {
  const hostile = '<script>alert("x")</script> & \'q\'';
  it('escapes all text and contains no script', () => {
    const svg = confusionMatrixSvg({ labels: [hostile, 'b'], matrix: [[3, 1], [0, 4]] }, hostile);
    expect(svg).not.toContain('<script');
    expect(svg).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &apos;q&apos;');
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
  });
  it('writes counts in confusion cells and marks missing grid cells', () => {
    const svg = confusionMatrixSvg({ labels: ['a', 'b'], matrix: [[3, 1], [0, 4]] });
    expect((svg.match(/<rect /g) ?? []).length).toBe(5); // background + 4 cells
    expect(svg).toMatch(/>4<\/text>/);
    const grid = rankAlphaHeatmapSvg({ ranks: [4, 8], alphas: [16, 32], values: [[0.5, null], [0.7, 0.9]], metric: 'macroF1', task: 'threatCategory' });
    expect(grid).toContain('>–</text>');
    expect(grid).toContain('>0.900</text>');
    expect(grid).toContain('α=32');
  });
  it('draws a loss curve with one point per step and handles no data', () => {
    const svg = lossCurveSvg([{ step: 0, loss: 2 }, { step: 10, loss: 1 }, { step: 20, loss: 0.5 }]);
    expect(svg.match(/points="([^"]+)"/)![1]!.split(' ')).toHaveLength(3);
    expect(lossCurveSvg([])).toContain('no data');
  });
  it('escapeXml covers the five XML specials', () => {
    expect(escapeXml(`&<>"'`)).toBe('&amp;&lt;&gt;&quot;&apos;');
  });
});
