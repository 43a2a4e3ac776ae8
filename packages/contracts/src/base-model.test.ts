import { describe, expect, it } from 'vitest';
import { sweepSpecSchema } from './sweep.ts';
import { baseModelPromptFormats, expandUnits } from './units.ts';

const spec = (extra: Record<string, unknown>) =>
  sweepSpecSchema.parse({
    name: 's', dataset: 'd@latest', split: { kind: 'stratified-kfold', k: 2 },
    search: { kind: 'grid', grid: { ranks: [4], alphas: [8] } }, baselines: ['majority', 'base-model'], ...extra,
  });

describe('base model catalog and prompt formats in sweep specs', () => {
  it('defaults to the pretrained SmolLM2 model and the OpenSOC-AI prompt', () => {
    const s = spec({});
    expect(s.baseModel).toEqual({ kind: 'pretrained', name: 'smollm2-135m-instruct' });
    expect(s.promptFormat).toBe('opensoc-ai');
  });

  it('accepts gguf paths and rejects unknown catalog names and formats', () => {
    expect(spec({ baseModel: { kind: 'gguf', path: '/m.gguf' } }).baseModel).toEqual({ kind: 'gguf', path: '/m.gguf' });
    expect(() => spec({ baseModel: { kind: 'pretrained', name: 'gpt-5' } })).toThrow();
    expect(() => spec({ promptFormat: 'alpaca' })).toThrow();
  });

  it('evaluates the untuned base model in both formats when the model has a chat template', () => {
    const s = spec({ promptFormat: 'chat' });
    expect(baseModelPromptFormats(s)).toEqual(['opensoc-ai', 'chat']);
    const units = expandUnits(s, 'sw', 1);
    const labels = units.map((u) => `${u.label}:${u.promptFormat ?? 'opensoc-ai'}`);
    expect(labels).toEqual(['r4-a8:chat', 'baseline-majority:opensoc-ai', 'baseline-base-model:opensoc-ai', 'baseline-base-model-chat:chat']);
    const pretrain = spec({ baseModel: { kind: 'pretrain' } });
    expect(baseModelPromptFormats(pretrain)).toEqual(['opensoc-ai']);
    expect(expandUnits(pretrain, 'sw', 1).filter((u) => u.label.startsWith('baseline-base-model'))).toHaveLength(1);
  });
});

describe('logRendering in sweep specs', () => {
  it('defaults to raw, leaving units as they were', () => {
    const s = spec({});
    expect(s.logRendering).toBe('raw');
    expect(expandUnits(s, 'sw', 2).every((u) => u.logRendering === undefined)).toBe(true);
  });

  it('carries compact to every unit, LoRA and baselines alike, and rejects other values', () => {
    const units = expandUnits(spec({ logRendering: 'compact' }), 'sw', 2);
    expect(units.map((u) => u.kind)).toContain('baseline');
    expect(units.map((u) => u.logRendering)).toEqual(Array(units.length).fill('compact'));
    expect(() => spec({ logRendering: 'short' })).toThrow();
  });
});
