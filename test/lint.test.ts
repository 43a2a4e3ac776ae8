import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './support/services.ts';

describe('the workflow lint rule', () => {
  const eslint = new ESLint({ cwd: repoRoot });
  const lint = async (code: string) => (await eslint.lintText(code, { filePath: `${repoRoot}/workflows/src/example.ts` }))[0]!.messages.map((m) => m.message);

  it('rejects Node built-ins and I/O libraries in workflow code', async () => {
    expect((await lint("import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n")).join()).toMatch(/no Node built-ins/);
    expect((await lint("import pg from 'pg';\nexport const x = pg;\n")).join()).toMatch(/I\/O libraries/);
    expect((await lint("import { S3Client } from '@aws-sdk/client-s3';\nexport const x = S3Client;\n")).join()).toMatch(/I\/O libraries/);
    expect((await lint("import * as tf from '@tensorflow/tfjs-core';\nexport const x = tf;\n")).join()).toMatch(/I\/O libraries/);
  });

  it('accepts the workflow SDK, contracts and activity types', async () => {
    expect(await lint("import { proxyActivities } from '@temporalio/workflow';\nimport type { Unit } from '@opensoc/contracts';\nexport const x = proxyActivities;\nexport type U = Unit;\n")).toEqual([]);
  });

  it('finds no problem in the real workflows', async () => {
    const results = await eslint.lintFiles(['workflows/src']);
    expect(results.flatMap((r) => r.messages.map((m) => `${r.filePath}:${m.line} ${m.message}`))).toEqual([]);
  });
});
