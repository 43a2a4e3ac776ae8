/**
 * Figures and the HTML page of the OpenSOC-AI study report: confusion matrices and loss curves of
 * the detailed entries, accuracy per design with intervals, as SVG (for the page) and PNG (for
 * papers). Everything is drawn from the report's measured numbers.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import { confusionMatrixSvg, escapeXml, lossCurveSvg } from '@opensoc/eval';
import { table } from './format.ts';
import {
  COMPARISON_HEADERS, LEAKAGE_HEADERS, MODE_HEADERS, STUDY_DESIGNS, STUDY_TASKS, bestLora, claimsHeaders, claimsRows, comparisonRows, designTitles, leakageRows, modeRows, perClassRows, studyVerdict,
  type StudyFigureRef, type StudyReport,
} from './study-report.ts';

export interface StudyFigure extends StudyFigureRef { svg: string }

const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
const FONT = 'font-family="sans-serif"';

/** Threat-type accuracy with its 95% interval, one row per method, one colour per design. */
export function accuracyByDesignSvg(r: StudyReport, taskIndex = 0): string | null {
  const t = STUDY_TASKS[taskIndex]!;
  const methods = new Map<string, { design: string; accuracy: number; low: number; high: number }[]>();
  for (const d of r.designs) {
    const es = d.entries[t.task] ?? [];
    const lora = bestLora(es);
    const rows = [...(lora ? [{ ...lora, label: 'best LoRA' }] : []), ...es.filter((e) => e.family !== 'lora')];
    for (const e of rows) methods.set(e.label, [...(methods.get(e.label) ?? []), { design: d.key, accuracy: e.accuracy, low: e.accuracyLow, high: e.accuracyHigh }]);
  }
  if (methods.size === 0) return null;
  const colours: Record<string, string> = { fixed: 'rgb(8,48,107)', stratified: 'rgb(66,146,198)', grouped: 'rgb(203,24,29)' };
  const rowH = 12 * STUDY_DESIGNS.length + 10;
  const m = { left: 170, right: 20, top: 40, bottom: 40 };
  const w = 640;
  const h = m.top + m.bottom + rowH * methods.size;
  const sx = (v: number) => m.left + v * (w - m.left - m.right);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" role="img">`,
    `<title>${escapeXml(`${t.name} accuracy by evaluation design`)}</title>`,
    `<rect width="${w}" height="${h}" fill="white"/>`,
    `<text x="${w / 2}" y="18" ${FONT} font-size="13" text-anchor="middle">${escapeXml(`${t.name} accuracy (95% CI) by evaluation design`)}</text>`,
  ];
  for (const v of [0, 0.25, 0.5, 0.75, 1]) {
    parts.push(`<line x1="${sx(v)}" x2="${sx(v)}" y1="${m.top - 6}" y2="${h - m.bottom}" stroke="#ddd"/>`,
      `<text x="${sx(v)}" y="${h - m.bottom + 14}" ${FONT} font-size="10" text-anchor="middle">${Math.round(100 * v)}%</text>`);
  }
  if (t.claim !== null) {
    parts.push(`<line x1="${sx(t.claim)}" x2="${sx(t.claim)}" y1="${m.top - 6}" y2="${h - m.bottom}" stroke="black" stroke-dasharray="4 3"/>`,
      `<text x="${sx(t.claim) + 3}" y="${m.top - 8}" ${FONT} font-size="10">study claims ${Math.round(100 * t.claim)}%</text>`);
  }
  [...methods].forEach(([label, points], i) => {
    const y0 = m.top + i * rowH;
    parts.push(`<text x="${m.left - 8}" y="${y0 + 6 + 12 * ((STUDY_DESIGNS.length - 1) / 2) + 4}" ${FONT} font-size="11" text-anchor="end">${escapeXml(label)}</text>`);
    for (const p of points) {
      const y = y0 + 6 + STUDY_DESIGNS.indexOf(p.design as (typeof STUDY_DESIGNS)[number]) * 12;
      const c = colours[p.design]!;
      parts.push(`<line x1="${sx(p.low).toFixed(1)}" x2="${sx(p.high).toFixed(1)}" y1="${y}" y2="${y}" stroke="${c}" stroke-width="2"/>`,
        `<circle cx="${sx(p.accuracy).toFixed(1)}" cy="${y}" r="3.5" fill="${c}"/>`);
    }
  });
  STUDY_DESIGNS.forEach((k, j) => {
    const x = 20 + j * 210;
    parts.push(`<circle cx="${x}" cy="${h - 12}" r="4" fill="${colours[k]}"/>`, `<text x="${x + 8}" y="${h - 8}" ${FONT} font-size="10">${escapeXml(designTitles(r.lineage.k)[k])}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}

/** Every figure of the report: accuracy by design, then per design the detailed entries' confusion matrices and loss curves. */
export function studyFigures(r: StudyReport): StudyFigure[] {
  const out: StudyFigure[] = [];
  const acc = accuracyByDesignSvg(r);
  if (acc) out.push({ file: 'accuracy-by-design.svg', title: 'Threat-type accuracy by evaluation design', svg: acc });
  for (const d of r.designs) {
    const where = designTitles(r.lineage.k)[d.key];
    for (const x of d.details ?? []) {
      for (const task of ['threatCategory', 'severity'] as const) {
        const m = x.metrics.find((mm) => mm.task === task);
        if (!m || m.confusion.labels.length === 0) continue;
        const title = `${x.label} (${x.mode}), ${STUDY_TASKS.find((t) => t.task === task)!.name}, ${where}: rows gold, columns predicted`;
        out.push({ file: `confusion-${d.key}-${slug(x.label)}-${task}.svg`, title, svg: confusionMatrixSvg(m.confusion, title) });
      }
      if (x.lossCurve.length > 1) {
        const title = `${x.label}: training loss, ${where}`;
        out.push({ file: `loss-${d.key}-${slug(x.label)}.svg`, title, svg: lossCurveSvg(x.lossCurve, title) });
      }
    }
  }
  return out;
}

/** PNG of an SVG at twice its size (for papers), with the system's sans-serif font. */
export function svgToPng(svg: string): Buffer {
  return new Resvg(svg, { fitTo: { mode: 'zoom', value: 2 }, font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' } }).render().asPng();
}

const esc = escapeXml; // HTML text and attribute values need the same five escapes
const htmlTable = (headers: string[], rows: string[][]) =>
  `<table><thead><tr>${headers.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((row) => `<tr>${row.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`;

/** A self-contained page: the tables, the generated verdict and the figures inline as SVG (PNG links beside them). */
export function renderStudyHtml(r: StudyReport, figures: StudyFigure[], figureDir: string): string {
  const l = r.lineage;
  const perClass = r.designs.flatMap((d) => {
    const pc = perClassRows(d, 'threatCategory');
    return pc.rows.length ? [`<h3>Per-class F1, threat type: ${esc(designTitles(l.k)[d.key])}</h3>`, htmlTable(pc.headers, pc.rows)] : [];
  });
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>OpenSOC-AI study: claims vs measured here</title>
<style>body{font-family:sans-serif;margin:2rem;max-width:1200px}table{border-collapse:collapse;margin:.5rem 0 1.5rem;font-size:13px}td,th{border:1px solid #ccc;padding:3px 6px;text-align:left}th{background:#f3f3f3}figure{display:inline-block;margin:0 1rem 1rem 0;vertical-align:top}figcaption{font-size:12px}</style>
</head><body>
<h1>OpenSOC-AI study: claims vs measured here</h1>
<p>Generated ${esc(l.generatedAt)} by <code>${esc(l.command)}</code> (scale ${esc(l.scale)}), code commit <code>${esc(l.codeCommit)}</code>.</p>
<h2>Verdict (generated from the numbers)</h2><ul>${studyVerdict(r).map((v) => `<li>${esc(v)}</li>`).join('')}</ul>
<h2>Study claims vs measured here</h2>${htmlTable(claimsHeaders(r), claimsRows(r))}
<h2>McNemar: best LoRA vs each baseline</h2>${comparisonRows(r).length ? htmlTable(COMPARISON_HEADERS, comparisonRows(r)) : '<p>No LoRA entry to compare at this scale.</p>'}
<h2>Strict parser vs fuzzy parser vs label scoring</h2>${modeRows(r).length ? htmlTable(MODE_HEADERS, modeRows(r)) : '<p>No model entry at this scale.</p>'}
<h2>Leakage per design</h2>${htmlTable(LEAKAGE_HEADERS, leakageRows(r))}
${perClass.join('\n')}
<h2>Figures</h2>
${figures.map((f) => `<figure>${f.svg}<figcaption>${esc(f.title)} (<a href="${esc(`${figureDir}/${f.file.replace(/\.svg$/, '.png')}`)}">PNG</a>)</figcaption></figure>`).join('\n')}
<h2>Lineage</h2><ul>
${l.data.map((d) => `<li>data: ${esc(d.name)}@<code>${esc(d.hash)}</code></li>`).join('')}
<li>base model: ${esc(l.model.name)} sha256 <code>${esc(l.model.sha256 ?? 'unknown')}</code></li>
${r.designs.map((d) => `<li>${esc(designTitles(l.k)[d.key])}: sweep <code>${esc(d.sweepId)}</code>, spec sha256 <code>${esc(d.specHash)}</code>, split <code>${esc(d.splitHash)}</code></li>`).join('')}
</ul></body></html>
`;
}

/**
 * Writes the report next to `markdownFile`: the Markdown, an HTML page and a folder of figures
 * (SVG and PNG). Returns the paths written.
 */
export function writeStudyReport(r: StudyReport, markdownFile: string, renderMarkdown: (figures: StudyFigureRef[]) => string): { markdown: string; html: string; figures: string[] } {
  const dir = path.dirname(markdownFile);
  const base = path.basename(markdownFile, path.extname(markdownFile));
  const figureDir = `${base}-figures`;
  mkdirSync(path.join(dir, figureDir), { recursive: true });
  const figures = studyFigures(r);
  const written: string[] = [];
  for (const f of figures) {
    const svgPath = path.join(dir, figureDir, f.file);
    writeFileSync(svgPath, f.svg);
    writeFileSync(svgPath.replace(/\.svg$/, '.png'), svgToPng(f.svg));
    written.push(svgPath);
  }
  writeFileSync(markdownFile, renderMarkdown(figures.map((f) => ({ file: `${figureDir}/${f.file}`, title: f.title }))));
  const html = path.join(dir, `${base}.html`);
  writeFileSync(html, renderStudyHtml(r, figures, figureDir));
  return { markdown: markdownFile, html, figures: written };
}

/** The console's short list of what was written. */
export const writtenSummary = (w: { markdown: string; html: string; figures: string[] }) =>
  table(['report', 'path'], [['Markdown', w.markdown], ['page (HTML, SVG inline)', w.html], ['figures (SVG + PNG)', `${w.figures.length} in ${w.figures[0] ? path.dirname(w.figures[0]) : '-'}`]]);
