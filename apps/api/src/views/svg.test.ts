import { describe, expect, it } from 'vitest';
import { Heatmap, IntervalBar, LossCurve, heatColor } from './svg.tsx';

describe('svg charts', () => {
  it('draws a heatmap cell per value, labelled, with user text escaped', () => {
    const html = String(Heatmap({ title: 'Confusion', rowLabels: ['a', '<b>'], colLabels: ['a', '<b>'], values: [[3, 1], [0, null]], rowAxis: 'true', colAxis: 'predicted' }));
    expect(html).toContain('role="img"');
    expect(html.match(/<g class="cell">/g)).toHaveLength(4);
    expect(html).toContain('&lt;b&gt;');
    expect(html).not.toContain('<b>');
    expect(html).toContain('true a, predicted &lt;b&gt;: 1');
  });

  it('draws an interval bar with an accessible description', () => {
    const html = String(IntervalBar({ value: 0.8, low: 0.7, high: 0.9, label: 'accuracy' }));
    expect(html).toContain('aria-label="accuracy 0.800, 95% interval 0.700 to 0.900"');
    expect(html).toContain('<rect');
  });

  it('draws one polyline per loss series, and says so when there is none', () => {
    const html = String(LossCurve({ series: [{ name: 'fold 0', points: [{ step: 0, loss: 2 }, { step: 10, loss: 1 }] }, { name: 'fold 1', points: [{ step: 0, loss: 2.1 }] }] }));
    expect(html.match(/<polyline/g)).toHaveLength(2);
    expect(String(LossCurve({ series: [] }))).toContain('No training loss');
  });

  it('maps the colour scale ends', () => {
    expect(heatColor(0)).toBe('rgb(247,251,255)');
    expect(heatColor(1)).toBe('rgb(8,69,148)');
    expect(heatColor(Number.NaN)).toBe('rgb(247,251,255)');
  });
});

describe('confusion matrices on pages', () => {
  it('fold rare labels into (other), keeping every count', async () => {
    const { foldLabels } = await import('./pages.tsx');
    const labels = Array.from({ length: 30 }, (_, i) => `T${1000 + i}`);
    const matrix = labels.map((_, i) => labels.map((__, j) => (i === j ? 30 - i : (i + j) % 3)));
    const out = foldLabels({ labels, matrix }, 12);
    expect(out.labels).toHaveLength(12);
    expect(out.labels.at(-1)).toBe('(other)');
    expect(out.folded).toBe(19);
    const sum = (m: number[][]) => m.flat().reduce((a, x) => a + x, 0);
    expect(sum(out.matrix)).toBe(sum(matrix));
    expect(foldLabels({ labels: ['a', 'b'], matrix: [[1, 0], [0, 1]] })).toEqual({ labels: ['a', 'b'], matrix: [[1, 0], [0, 1]], folded: 0 });
  });
});
