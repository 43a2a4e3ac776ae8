import { significanceDirection } from '@opensoc/contracts';
import type { ComparisonReport, Interval, ReportEntry, RunReport, SignificanceDirection, SweepReport, TaskMetrics } from '@opensoc/contracts';

/** Escape text for a Markdown table cell: HTML-significant characters, pipes, newlines, emphasis. */
export function escapeMarkdown(s: string): string {
  return s
    .replace(/\\/g, '\\\\')
    .replace(/([|`*_[\]])/g, '\\$1')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\r?\n/g, ' ');
}

const f3 = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? '–' : v.toFixed(3));
const withInterval = (v: number, i?: Interval) => (i ? `${f3(v)} [${f3(i.low)}, ${f3(i.high)}]` : f3(v));
/** p-values: 4 decimals, or scientific notation below 0.001. */
export function formatP(p: number | undefined): string {
  if (p === undefined || Number.isNaN(p)) return '–';
  if (p === 0) return '0';
  return p < 0.001 ? p.toExponential(1) : p.toFixed(4);
}

function table(header: string[], rows: string[][]): string {
  return [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

function level(metrics: readonly TaskMetrics[]): string {
  const l = metrics[0]?.accuracyInterval.level ?? 0.95;
  return `${Math.round(l * 100)}%`;
}

/** Headline metrics of one entry: pooled figures with intervals beside the per-fold mean ± sd. */
export function summaryTable(entry: ReportEntry): string {
  const rows = entry.metrics.map((m) => {
    const fold = entry.foldSummary.find((f) => f.task === m.task);
    return [
      m.task,
      String(m.n),
      withInterval(m.accuracy, m.accuracyInterval),
      withInterval(m.macroF1, m.macroF1Interval),
      f3(m.microF1),
      f3(m.weightedF1),
      fold && entry.folds > 1 ? `${f3(fold.accuracy.mean)} ± ${f3(fold.accuracy.sd)}` : '–',
      fold && entry.folds > 1 ? `${f3(fold.macroF1.mean)} ± ${f3(fold.macroF1.sd)}` : '–',
      String(m.parseFailures),
      m.meanAbsoluteError === undefined ? '' : f3(m.meanAbsoluteError),
    ];
  });
  const lv = level(entry.metrics);
  return table(['Task', 'n', `Accuracy [${lv} Wilson]`, `Macro-F1 [${lv} bootstrap]`, 'Micro-F1', 'Weighted-F1', 'Fold accuracy mean ± sd', 'Fold macro-F1 mean ± sd', 'Parse failures', 'Severity MAE'], rows);
}

export function perClassTable(m: TaskMetrics): string {
  return table(
    ['Label', 'Precision', 'Recall', 'F1', 'Support'],
    m.perClass.map((c) => [escapeMarkdown(c.label), f3(c.precision), f3(c.recall), f3(c.f1), String(c.support)]),
  );
}

export function confusionTable(m: TaskMetrics): string {
  const { labels, matrix } = m.confusion;
  return table(['gold \\ predicted', ...labels.map(escapeMarkdown)], labels.map((l, i) => [`**${escapeMarkdown(l)}**`, ...matrix[i]!.map(String)]));
}

export function comparisonsTable(comparisons: readonly ComparisonReport[], labelOf: (id: string) => string = (id) => id): string {
  return table(
    ['Task', 'A', 'B', 'n', 'b (A✓ B✗)', 'c (A✗ B✓)', 'Test', 'p', 'Exact p', 'Mid-p', 'χ² p', 'Holm p', 'BH p', 'A vs B (Holm)', 'Δ macro-F1 (A − B) [CI]', 'Bootstrap p'],
    comparisons.map((c) => [
      c.task,
      escapeMarkdown(labelOf(c.a)),
      escapeMarkdown(labelOf(c.b)),
      String(c.n),
      String(c.mcnemar.b),
      String(c.mcnemar.c),
      c.mcnemar.recommended,
      formatP(c.mcnemar.p),
      formatP(c.mcnemar.exactP),
      formatP(c.mcnemar.midP),
      formatP(c.mcnemar.chiSquareP),
      formatP(c.holmP),
      formatP(c.bhP),
      VERDICT[c.direction ?? significanceDirection(c.mcnemar.b, c.mcnemar.c, c.holmP)],
      c.pairedBootstrap ? `${c.pairedBootstrap.difference >= 0 ? '+' : ''}${f3(c.pairedBootstrap.difference)} [${f3(c.pairedBootstrap.low)}, ${f3(c.pairedBootstrap.high)}]` : '–',
      formatP(c.pairedBootstrap?.p),
    ]),
  );
}

/** The direction of a comparison in words: a two-sided p never says which way on its own. */
const VERDICT: Record<SignificanceDirection, string> = { better: '**A better** (more records right)', worse: '**A worse** (fewer records right)', none: 'no detectable difference' };

const TESTS_NOTE =
  'McNemar tests compare per-record correctness on the same records (a parse failure counts as wrong). ' +
  'The exact binomial p is reported when fewer than 25 records are discordant, the continuity-corrected χ² otherwise; all three are shown. ' +
  'Holm (family-wise) and Benjamini–Hochberg (false discovery rate) adjust across every comparison in this report. ' +
  '"A better" / "A worse": Holm p < 0.05 and A got more / fewer records right than B (b > c or b < c); otherwise no detectable difference.';

function entrySections(entry: ReportEntry, heading: string): string[] {
  const out = [`${heading} ${escapeMarkdown(entry.label)}`, '', `Mode: ${escapeMarkdown(entry.mode)} · folds: ${entry.folds}`];
  const config = Object.entries(entry.config);
  if (config.length > 0) out.push('', table(['Setting', 'Value'], config.map(([k, v]) => [escapeMarkdown(k), escapeMarkdown(String(v))])));
  out.push('', summaryTable(entry));
  return out;
}

export function renderRunMarkdown(report: RunReport): string {
  const e = report.entry;
  const out: string[] = [`# ${escapeMarkdown(report.title)}`, '', `Generated ${escapeMarkdown(report.createdAt)}. Pooled out-of-fold predictions: every record predicted once.`, ''];
  if (e.lineage) {
    out.push(table(['Lineage', 'Value'], Object.entries(e.lineage).map(([k, v]) => [k, escapeMarkdown(String(v))])), '');
  }
  out.push(...entrySections(e, '## Run:'), '');
  for (const b of report.baselines) out.push(...entrySections(b, '## Baseline:'), '');
  if (report.comparisons.length > 0) {
    const labels = new Map([e, ...report.baselines].map((x) => [x.id, x.label]));
    out.push('## Paired comparisons', '', TESTS_NOTE, '', comparisonsTable(report.comparisons, (id) => labels.get(id) ?? id), '');
  }
  out.push('## Per-class metrics', '');
  for (const m of e.metrics) out.push(`### ${m.task}`, '', perClassTable(m), '');
  out.push('## Confusion matrices (rows: gold, columns: predicted)', '');
  for (const m of e.metrics) out.push(`### ${m.task}`, '', confusionTable(m), '');
  return out.join('\n');
}

export function renderSweepMarkdown(report: SweepReport): string {
  const out: string[] = [`# ${escapeMarkdown(report.title)}`, '', `Generated ${escapeMarkdown(report.createdAt)}. ${report.entries.length} entries; pooled out-of-fold metrics.`, ''];
  const tasks = [...new Set(report.entries.flatMap((e) => e.metrics.map((m) => m.task)))];
  for (const task of tasks) {
    const ranked = report.entries
      .map((e) => ({ e, m: e.metrics.find((m) => m.task === task) }))
      .filter((x): x is { e: ReportEntry; m: TaskMetrics } => x.m !== undefined)
      .sort((a, b) => b.m.macroF1 - a.m.macroF1 || b.m.accuracy - a.m.accuracy || (a.e.id < b.e.id ? -1 : 1));
    out.push(`## Leaderboard: ${task}`, '');
    out.push(
      table(
        ['#', 'Entry', 'Mode', 'Config', 'Accuracy [CI]', 'Macro-F1 [CI]', 'Fold macro-F1 mean ± sd', 'Parse failures'],
        ranked.map(({ e, m }, i) => {
          const f = e.foldSummary.find((s) => s.task === task);
          const config = Object.entries(e.config).map(([k, v]) => `${k}=${String(v)}`).join(', ');
          return [String(i + 1), escapeMarkdown(e.label), escapeMarkdown(e.mode), escapeMarkdown(config) || '–', withInterval(m.accuracy, m.accuracyInterval), withInterval(m.macroF1, m.macroF1Interval), f && e.folds > 1 ? `${f3(f.macroF1.mean)} ± ${f3(f.macroF1.sd)}` : '–', String(m.parseFailures)];
        }),
      ),
      '',
    );
  }
  if (report.comparisons.length > 0) {
    const labels = new Map(report.entries.map((x) => [x.id, x.label]));
    out.push('## Paired comparisons', '', TESTS_NOTE, '', comparisonsTable(report.comparisons, (id) => labels.get(id) ?? id), '');
  }
  if (report.cochranQ.length > 0) {
    out.push("## Cochran's Q (all entries, same records)", '', table(['Task', 'Entries', 'Q', 'df', 'p'], report.cochranQ.map((q) => [q.task, String(q.entries.length), q.q.toFixed(3), String(q.df), formatP(q.p)])), '');
  }
  for (const g of report.grids) {
    out.push(`## ${g.metric} (${g.task}) by LoRA rank × alpha`, '', table(['rank \\ alpha', ...g.alphas.map(String)], g.ranks.map((r, i) => [String(r), ...g.values[i]!.map((v) => (v === null ? '–' : f3(v)))])), '');
  }
  return out.join('\n');
}
