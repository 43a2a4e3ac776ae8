import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

// The CLI imports @opensoc/contracts before @opensoc/api; the OpenAPI document must not depend on
// which of the two was loaded first (once, a zod extension applied late broke `opensoc serve`).
// A fresh process, because in this one the test runner has already loaded both.
describe('OpenAPI document and import order', () => {
  it('builds when the shared contracts are imported before the API', () => {
    const script = [
      "const { sweepSpecSchema } = await import('@opensoc/contracts');",
      "const { createApp } = await import('@opensoc/api');",
      "const app = createApp({ db: {}, store: { client: {}, bucket: 'b' }, auth: { readsPublic: true }, logger: () => {} });",
      "const doc = await (await app.request('/openapi.json')).json();",
      'console.log(JSON.stringify({ spec: Boolean(doc.components.schemas.SweepSpec), schema: typeof sweepSpecSchema.parse }));',
    ].join('\n');
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: path.join(root, 'apps/cli'), encoding: 'utf8', timeout: 60_000 });
    expect(JSON.parse(out.trim().split('\n').at(-1)!)).toEqual({ spec: true, schema: 'function' });
  });
});
