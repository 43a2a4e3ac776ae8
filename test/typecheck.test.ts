import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { repoRoot } from './support/services.ts';

it('the whole repository type-checks under strict TypeScript', async () => {
  const r = await promisify(execFile)('npx', ['tsc', '-p', 'tsconfig.json', '--noEmit'], { cwd: repoRoot, maxBuffer: 16 * 1024 * 1024 }).then(
    () => ({ ok: true, out: '' }),
    (e: { stdout: string }) => ({ ok: false, out: e.stdout }),
  );
  expect(r.out).toBe('');
  expect(r.ok).toBe(true);
});
