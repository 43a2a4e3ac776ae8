import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken, listen } from '@opensoc/api';
import { sql } from '@opensoc/db';
import { createTestApi, type TestApi } from './support/seed-leaderboard.ts';

/**
 * Property-based fuzzing from the app's own OpenAPI document with schemathesis
 * (Python; `pip install -r test/fuzz/requirements.txt`): at least 1000 generated
 * requests, valid and invalid, against the app served on loopback over the seeded
 * real PostgreSQL. Checks: no 5xx, documented status codes and content types,
 * and every response body conforms to its schema.
 */
const PYTHON = process.env.PYTHON ?? 'python3';
const probe = spawnSync(PYTHON, ['-c', 'import schemathesis, sys; sys.stdout.write(schemathesis.__version__)'], { encoding: 'utf8' });
const available = probe.status === 0;
if (!available) console.warn(`api-fuzz: skipped, schemathesis cannot be imported by ${PYTHON} (pip install -r test/fuzz/requirements.txt)`);

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => { out += String(d); });
    child.stderr.on('data', (d) => { out += String(d); });
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, out }); });
  });
}

describe.skipIf(!available)('OpenAPI fuzzing with schemathesis', () => {
  let t: TestApi;
  let server: Awaited<ReturnType<typeof listen>>;
  let token: string;
  const dir = mkdtempSync(path.join(tmpdir(), 'opensoc-fuzz-'));

  beforeAll(async () => {
    t = await createTestApi('apifuzz');
    token = (await createApiToken(t.handle.db, 'fuzz', ['read', 'write'])).secret;
    server = await listen(t.app, { port: 0, hostname: '127.0.0.1' });
  });
  afterAll(async () => {
    await server?.close();
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves >= 1000 generated requests without a 5xx, each response conforming to the document', async () => {
    t.logs.length = 0;
    const junit = path.join(dir, 'junit.xml');
    const { code, out } = await run('st', [
      'run', `${server.url}/openapi.json`,
      '--checks', 'not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance',
      '--max-examples', '90', '--seed', '20261128', '--workers', '1', '--no-shrink', '--generation-database', 'none',
      '--phases', 'examples,coverage,fuzzing', '--request-timeout', '10',
      '-H', `Authorization: Bearer ${token}`,
      '--report', 'junit', '--report-junit-path', junit, '--no-color', '--warnings', 'off',
    ], { ...process.env, SCHEMATHESIS_HOOKS: '' }, 150_000);
    const served = t.logs.length;
    const serverErrors = t.logs.filter((l) => l.status >= 500);
    if (code !== 0) console.error(out.slice(-8000));
    const summary = out.match(/Test cases:\s*\n\s*(.+)/)?.[1] ?? '';
    console.info(`api-fuzz: ${served} requests served (${t.logs.filter((l) => l.status < 400).length} 2xx/3xx, ${t.logs.filter((l) => l.status >= 400).length} 4xx); schemathesis: ${summary}`);
    expect(serverErrors).toEqual([]);
    expect(code, 'schemathesis found failures (see output above)').toBe(0);
    expect(served).toBeGreaterThanOrEqual(1000);
    expect(readFileSync(junit, 'utf8')).toContain('<testsuite');
    // The fuzzer's writes went through the API's own validation; the seeded rows are intact.
    const rows = await t.handle.db.execute(sql`SELECT (SELECT count(*) FROM leaderboard_entries)::int AS n`);
    expect((rows as unknown as { rows: { n: number }[] }).rows[0]!.n).toBe(t.seeded.entryIds.length);
  }, 180_000);
});
