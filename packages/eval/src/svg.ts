import type { Report } from '@opensoc/contracts';

/**
 * Self-contained SVG charts: plain elements with inline attributes, no scripts, no external
 * fonts or styles, every text escaped. Readable in any browser or image viewer.
 */

/** Escape text for XML content and attribute values. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

const FONT = 'font-family="sans-serif"';
const num = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(2));

/** White (0) to dark blue (1). */
function blue(t: number): string {
  const x = Math.min(1, Math.max(0, t));
  const mix = (a: number, b: number) => Math.round(a + (b - a) * x);
  return `rgb(${mix(247, 8)},${mix(251, 48)},${mix(255, 107)})`;
}

export interface HeatmapInput {
  title: string;
  rowLabels: readonly string[];
  colLabels: readonly string[];
  /** Cell values; null cells are drawn grey with "–". */
  values: readonly (readonly (number | null)[])[];
  /** Colour intensity per cell in [0, 1]; defaults to value scaled to the max. */
  intensity?: readonly (readonly number[])[];
  rowAxis?: string;
  colAxis?: string;
  format?: (v: number) => string;
}

/** Generic heatmap with the value written in each cell. */
export function heatmapSvg(input: HeatmapInput): string {
  const { rowLabels, colLabels, values } = input;
  const format = input.format ?? num;
  const cell = 44;
  const left = 12 + 7 * Math.max(4, ...rowLabels.map((l) => l.length));
  const top = 60 + 6 * Math.max(4, ...colLabels.map((l) => l.length));
  // Wide enough for the grid, the rotated last column label and the title (~7.5 px per character at 14 px).
  const width = Math.max(left + cell * colLabels.length + 20 + 4 * (colLabels.at(-1)?.length ?? 0), 20 + Math.ceil(input.title.length * 7.5));
  const height = top + cell * rowLabels.length + 40;
  const max = Math.max(0, ...values.flat().filter((v): v is number => v !== null));
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img">`,
    `<title>${escapeXml(input.title)}</title>`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="10" y="20" ${FONT} font-size="14" font-weight="bold">${escapeXml(input.title)}</text>`,
  ];
  if (input.colAxis) parts.push(`<text x="${left}" y="38" ${FONT} font-size="11" fill="#555">${escapeXml(input.colAxis)} →</text>`);
  if (input.rowAxis) parts.push(`<text x="10" y="${top - 6}" ${FONT} font-size="11" fill="#555">${escapeXml(input.rowAxis)} ↓</text>`);
  colLabels.forEach((l, j) => {
    const x = left + j * cell + cell / 2;
    parts.push(`<text x="${x}" y="${top - 6}" ${FONT} font-size="11" transform="rotate(-45 ${x} ${top - 6})">${escapeXml(l)}</text>`);
  });
  rowLabels.forEach((l, i) => {
    const y = top + i * cell + cell / 2 + 4;
    parts.push(`<text x="${left - 6}" y="${y}" ${FONT} font-size="11" text-anchor="end">${escapeXml(l)}</text>`);
    colLabels.forEach((_, j) => {
      const v = values[i]?.[j] ?? null;
      const t = v === null ? 0 : (input.intensity?.[i]?.[j] ?? (max > 0 ? v / max : 0));
      const x = left + j * cell;
      const yy = top + i * cell;
      parts.push(`<rect x="${x}" y="${yy}" width="${cell}" height="${cell}" fill="${v === null ? '#ddd' : blue(t)}" stroke="white"/>`);
      parts.push(`<text x="${x + cell / 2}" y="${yy + cell / 2 + 4}" ${FONT} font-size="11" text-anchor="middle" fill="${t > 0.55 ? 'white' : 'black'}">${escapeXml(v === null ? '–' : format(v))}</text>`);
    });
  });
  parts.push('</svg>');
  return parts.join('\n');
}

/** Confusion matrix (rows gold, columns predicted): counts in cells, colour by row share (recall view). */
export function confusionMatrixSvg(confusion: { labels: readonly string[]; matrix: readonly (readonly number[])[] }, title = 'Confusion matrix'): string {
  const intensity = confusion.matrix.map((row) => {
    const total = row.reduce((s, v) => s + v, 0);
    return row.map((v) => (total === 0 ? 0 : v / total));
  });
  return heatmapSvg({ title, rowLabels: confusion.labels, colLabels: confusion.labels, values: confusion.matrix, intensity, rowAxis: 'gold', colAxis: 'predicted' });
}

/** A metric over LoRA rank × alpha. */
export function rankAlphaHeatmapSvg(grid: { ranks: readonly number[]; alphas: readonly number[]; values: readonly (readonly (number | null)[])[]; metric: string; task: string }, title?: string): string {
  const defined = grid.values.flat().filter((v): v is number => v !== null);
  const lo = Math.min(...defined);
  const hi = Math.max(...defined);
  const intensity = grid.values.map((row) => row.map((v) => (v === null || hi === lo ? 0.5 : (v - lo) / (hi - lo))));
  return heatmapSvg({
    title: title ?? `${grid.metric} (${grid.task}) by LoRA rank × alpha`,
    rowLabels: grid.ranks.map((r) => `r=${r}`),
    colLabels: grid.alphas.map((a) => `α=${a}`),
    values: grid.values,
    intensity,
    rowAxis: 'rank',
    colAxis: 'alpha',
    format: (v) => v.toFixed(3),
  });
}

/** Training-loss curve (loss against step), with min/max axis labels. */
export function lossCurveSvg(points: readonly { step: number; loss: number }[], title = 'Training loss'): string {
  const width = 480;
  const height = 260;
  const m = { left: 56, right: 16, top: 32, bottom: 36 };
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="10" y="20" ${FONT} font-size="14" font-weight="bold">${escapeXml(title)}</text>`,
  ];
  const finite = points.filter((p) => Number.isFinite(p.loss) && Number.isFinite(p.step));
  if (finite.length === 0) {
    parts.push(`<text x="${width / 2}" y="${height / 2}" ${FONT} font-size="12" text-anchor="middle">no data</text>`, '</svg>');
    return parts.join('\n');
  }
  const x0 = Math.min(...finite.map((p) => p.step));
  const x1 = Math.max(...finite.map((p) => p.step));
  const y0 = Math.min(...finite.map((p) => p.loss));
  const y1 = Math.max(...finite.map((p) => p.loss));
  const sx = (v: number) => m.left + (x1 === x0 ? 0.5 : (v - x0) / (x1 - x0)) * (width - m.left - m.right);
  const sy = (v: number) => height - m.bottom - (y1 === y0 ? 0.5 : (v - y0) / (y1 - y0)) * (height - m.top - m.bottom);
  parts.push(
    `<line x1="${m.left}" y1="${height - m.bottom}" x2="${width - m.right}" y2="${height - m.bottom}" stroke="#333"/>`,
    `<line x1="${m.left}" y1="${m.top}" x2="${m.left}" y2="${height - m.bottom}" stroke="#333"/>`,
    `<text x="${m.left}" y="${height - 18}" ${FONT} font-size="10" text-anchor="middle">${x0}</text>`,
    `<text x="${width - m.right}" y="${height - 18}" ${FONT} font-size="10" text-anchor="middle">${x1}</text>`,
    `<text x="${(width + m.left) / 2}" y="${height - 4}" ${FONT} font-size="11" text-anchor="middle">step</text>`,
    `<text x="${m.left - 4}" y="${sy(y1) + 4}" ${FONT} font-size="10" text-anchor="end">${y1.toPrecision(3)}</text>`,
    `<text x="${m.left - 4}" y="${sy(y0) + 4}" ${FONT} font-size="10" text-anchor="end">${y0.toPrecision(3)}</text>`,
    `<polyline fill="none" stroke="rgb(8,48,107)" stroke-width="1.5" points="${finite.map((p) => `${sx(p.step).toFixed(1)},${sy(p.loss).toFixed(1)}`).join(' ')}"/>`,
    '</svg>',
  );
  return parts.join('\n');
}

/**
 * The figures of a report, by file name: per run one confusion matrix per task and the loss
 * curve when present; per sweep one rank × alpha heatmap per grid.
 */
export function reportFigures(report: Report): Record<string, string> {
  const out: Record<string, string> = {};
  if (report.kind === 'run') {
    for (const m of report.entry.metrics) out[`confusion-${m.task}.svg`] = confusionMatrixSvg(m.confusion, `${report.entry.label}: ${m.task} (rows gold, columns predicted)`);
    if (report.entry.trainLoss && report.entry.trainLoss.length > 0) out['train-loss.svg'] = lossCurveSvg(report.entry.trainLoss, `${report.entry.label}: training loss`);
  } else {
    for (const g of report.grids) out[`grid-${g.task}-${g.metric}.svg`] = rankAlphaHeatmapSvg(g);
  }
  return out;
}
