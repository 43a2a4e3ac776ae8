import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import YAML from 'yaml';
import { schemaDoc } from './schema-doc.ts';
import { sweepSpecSchema } from './sweep.ts';
import { sweepSpecReference } from './sweep-spec-doc.ts';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

describe('schemaDoc', () => {
  const toy = z.object({
    title: z.string().min(2).describe('Its own description wins.'),
    count: z.number().int().min(1).max(9).default(3),
    mode: z.enum(['a', 'b']).optional(),
    shape: z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('circle'), radius: z.number().positive() }).strict(),
      z.object({ kind: z.literal('square'), side: z.number() }),
    ]),
    extra: z.boolean(),
  }).strict();
  const doc = schemaDoc(toy, { descriptions: { count: 'How many.', 'shape[kind=circle]': 'Round.', 'shape.radius': 'Half the width.', gone: 'x' } });

  it('writes every field with its type, default, constraints and description', () => {
    expect(doc.markdown).toContain('| `title` | string (at least 2 characters) | **required** | Its own description wins. |');
    expect(doc.markdown).toContain('| `count` | integer (>= 1, <= 9) | `3` | How many. |');
    expect(doc.markdown).toContain('| `mode` | one of `a`, `b` | optional |');
    expect(doc.markdown).toMatch(/\| `shape` \| object, by `kind`: \[`circle`\]\(#shape-circle\), \[`square`\]\(#shape-square\) \|/);
    expect(doc.markdown).toMatch(/### `shape` with `kind: circle`\n\nRound\. Unknown fields are errors\./);
    expect(doc.markdown).toContain('| `radius` | number (> 0) | **required** | Half the width. |');
  });

  it('reports fields described nowhere and descriptions of no field', () => {
    expect(doc.undocumented).toEqual(expect.arrayContaining(['mode', 'shape', 'extra', 'shape.side']));
    expect(doc.undocumented).not.toContain('count');
    expect(doc.unusedDescriptions).toEqual(['gone']);
  });
});

describe('docs/sweep-spec.md', () => {
  const ref = sweepSpecReference();
  it('is what `pnpm docs` generates from the current schema (run it after changing the schema)', () => {
    expect(readFileSync(path.join(repo, 'docs/sweep-spec.md'), 'utf8')).toBe(ref.markdown);
  });
  it('names every top-level field of the schema and has no stale description keys', () => {
    for (const key of Object.keys(sweepSpecSchema.shape)) expect(ref.markdown).toContain(`| \`${key}\` |`);
    expect(ref.unusedDescriptions).toEqual([]);
  });
  it('shows a minimal spec that is valid', () => {
    const yaml = /```yaml\n([\s\S]*?)```/.exec(ref.markdown)![1]!;
    expect(sweepSpecSchema.safeParse(YAML.parse(yaml)).success).toBe(true);
  });
});
