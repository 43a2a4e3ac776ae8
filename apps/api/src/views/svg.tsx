/**
 * Small inline-SVG charts for the server-rendered pages: no JavaScript, every
 * chart has role="img" and an aria-label/<title> that states its numbers in words.
 */

const fmt = (v: number, digits = 3) => (Number.isFinite(v) ? v.toFixed(digits) : '–');

/** White → blue sequential scale for t in [0, 1]. */
export function heatColor(t: number): string {
  const x = Math.max(0, Math.min(1, Number.isFinite(t) ? t : 0));
  const from = [247, 251, 255];
  const to = [8, 69, 148];
  const c = from.map((f, i) => Math.round(f + (to[i]! - f) * x));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

export function IntervalBar(props: { value: number; low: number | null; high: number | null; min?: number; max?: number; width?: number; label?: string }) {
  const min = props.min ?? 0;
  const max = props.max ?? 1;
  const w = props.width ?? 120;
  const h = 14;
  const x = (v: number) => 2 + ((Math.max(min, Math.min(max, v)) - min) / (max - min || 1)) * (w - 4);
  const hasInterval = props.low !== null && props.high !== null;
  const label = `${props.label ?? 'value'} ${fmt(props.value)}${hasInterval ? `, 95% interval ${fmt(props.low!)} to ${fmt(props.high!)}` : ''}`;
  return (
    <svg class="ibar" width={w} height={h} viewBox={`0 0 ${w} ${h}`} role="img" aria-label={label}>
      <title>{label}</title>
      <line x1={2} x2={w - 2} y1={h / 2} y2={h / 2} stroke="#ddd" stroke-width={1} />
      {hasInterval ? <rect x={x(props.low!)} y={3} width={Math.max(1, x(props.high!) - x(props.low!))} height={h - 6} fill="#9ecae1" /> : null}
      <line x1={x(props.value)} x2={x(props.value)} y1={1} y2={h - 1} stroke="#08306b" stroke-width={2} />
    </svg>
  );
}

export interface HeatmapProps {
  title: string;
  rowLabels: string[];
  colLabels: string[];
  /** values[row][col]; null cells are drawn empty. */
  values: (number | null)[][];
  rowAxis: string;
  colAxis: string;
  /** Colour scale domain; defaults to [0, max]. */
  domain?: [number, number];
  format?: (v: number) => string;
  cell?: number;
}

/** A labelled heatmap (confusion matrices, rank × alpha grids). Each cell carries a <title> with its row, column and value. */
export function Heatmap(p: HeatmapProps) {
  const cell = p.cell ?? (p.rowLabels.length > 12 || p.colLabels.length > 12 ? 26 : 40);
  const format = p.format ?? ((v: number) => String(v));
  const all = p.values.flat().filter((v): v is number => v !== null && Number.isFinite(v));
  const [lo, hi] = p.domain ?? [0, all.length ? Math.max(...all) : 1];
  const maxLen = (labels: string[]) => Math.min(22, Math.max(1, ...labels.map((l) => l.length)));
  const left = 16 + maxLen(p.rowLabels) * 6.5;
  const top = 28 + maxLen(p.colLabels) * 6.5;
  const width = left + p.colLabels.length * cell + 8 + maxLen(p.colLabels) * 4.6;
  const height = top + p.rowLabels.length * cell + 8;
  const short = (l: string) => (l.length > 22 ? `${l.slice(0, 21)}…` : l);
  return (
    <svg class="heatmap" width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={`${p.title}: ${p.rowAxis} by ${p.colAxis}`}>
      <title>{`${p.title}: rows are ${p.rowAxis}, columns are ${p.colAxis}`}</title>
      <text x={4} y={12} font-size="10" fill="#555">{`${p.rowAxis} ↓ / ${p.colAxis} →`}</text>
      {p.colLabels.map((l, j) => (
        <text x={left + j * cell + cell / 2} y={top - 6} font-size="11" transform={`rotate(-45 ${left + j * cell + cell / 2} ${top - 6})`}>{short(l)}</text>
      ))}
      {p.rowLabels.map((l, i) => (
        <text x={left - 6} y={top + i * cell + cell / 2 + 4} font-size="11" text-anchor="end">{short(l)}</text>
      ))}
      {p.values.map((row, i) =>
        row.map((v, j) => {
          const t = v === null ? 0 : (v - lo) / (hi - lo || 1);
          return (
            <g class="cell">
              <rect x={left + j * cell} y={top + i * cell} width={cell - 1} height={cell - 1} fill={v === null ? '#fff' : heatColor(t)} stroke="#eee">
                <title>{`${p.rowAxis} ${p.rowLabels[i]}, ${p.colAxis} ${p.colLabels[j]}: ${v === null ? 'no value' : format(v)}`}</title>
              </rect>
              {v !== null && cell >= 26 ? (
                <text x={left + j * cell + cell / 2} y={top + i * cell + cell / 2 + 4} font-size={cell >= 40 ? '11' : '9'} text-anchor="middle" fill={t > 0.55 ? '#fff' : '#111'}>
                  {format(v)}
                </text>
              ) : null}
            </g>
          );
        }),
      )}
    </svg>
  );
}

export interface Series { name: string; points: { step: number; loss: number }[] }
const PALETTE = ['#08519c', '#e6550d', '#31a354', '#756bb1', '#636363', '#d6616b', '#8c6d31', '#17becf'];

/** Training loss against step, one polyline per fold. */
export function LossCurve(props: { series: Series[]; width?: number; height?: number }) {
  const w = props.width ?? 480;
  const h = props.height ?? 220;
  const m = { l: 44, r: 12, t: 10, b: 28 };
  const pts = props.series.flatMap((s) => s.points);
  if (pts.length === 0) return <p>No training loss was recorded.</p>;
  const xs = pts.map((p) => p.step);
  const ys = pts.map((p) => p.loss);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const [y0, y1] = [Math.min(0, Math.min(...ys)), Math.max(...ys)];
  const X = (v: number) => m.l + ((v - x0) / (x1 - x0 || 1)) * (w - m.l - m.r);
  const Y = (v: number) => h - m.b - ((v - y0) / (y1 - y0 || 1)) * (h - m.t - m.b);
  const last = props.series.map((s) => `${s.name}: final loss ${fmt(s.points[s.points.length - 1]?.loss ?? NaN)}`).join('; ');
  return (
    <svg class="loss" width={w} height={h} viewBox={`0 0 ${w} ${h}`} role="img" aria-label={`Training loss by step. ${last}`}>
      <title>{`Training loss by step. ${last}`}</title>
      <line x1={m.l} x2={w - m.r} y1={h - m.b} y2={h - m.b} stroke="#999" />
      <line x1={m.l} x2={m.l} y1={m.t} y2={h - m.b} stroke="#999" />
      <text x={m.l} y={h - 8} font-size="10">{fmt(x0, 0)}</text>
      <text x={w - m.r} y={h - 8} font-size="10" text-anchor="end">{`step ${fmt(x1, 0)}`}</text>
      <text x={m.l - 4} y={Y(y1) + 4} font-size="10" text-anchor="end">{fmt(y1, 2)}</text>
      <text x={m.l - 4} y={h - m.b} font-size="10" text-anchor="end">{fmt(y0, 2)}</text>
      {props.series.map((s, i) => (
        <polyline fill="none" stroke={PALETTE[i % PALETTE.length]} stroke-width={1.5} points={s.points.map((p) => `${X(p.step).toFixed(1)},${Y(p.loss).toFixed(1)}`).join(' ')}>
          <title>{s.name}</title>
        </polyline>
      ))}
      {props.series.map((s, i) => (
        <text x={w - m.r - 4} y={m.t + 12 + i * 12} font-size="10" text-anchor="end" fill={PALETTE[i % PALETTE.length]}>{s.name}</text>
      ))}
    </svg>
  );
}
