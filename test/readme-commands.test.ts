import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium } from 'playwright-core';
import { corpusSample } from './support/corpus.ts';
import { repoRoot } from './support/services.ts';

/**
 * Every command of the README's "Using it" block, exactly as written there (parsed from
 * README.md, so a new line is covered without touching this file), on a fresh data directory
 * with its own services: `dev up` first, then each command through bash in the repository root,
 * placeholders replaced from the table below; `serve` answers a real HTTP request and renders a
 * page in headless Chromium, then stops on SIGINT with nothing left running.
 */

/** The commands of the README's "## Using it" bash block; `a x | y | z` is three commands of group a. */
export function readmeCommands(readme: string): string[] {
  const section = readme.slice(readme.indexOf('## Using it'));
  const block = /```bash\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
  const out: string[] = [];
  for (const raw of block.split('\n')) {
    const line = raw.replace(/\s+#.*$/, '').trim();
    const prefix = /^pnpm (-s )?opensoc /.exec(line)?.[0];
    if (!prefix) continue;
    const [first, ...alternatives] = line.slice(prefix.length).split(/\s+\|\s+/);
    out.push(`${prefix}${first}`);
    const group = first!.split(/\s+/)[0];
    for (const alt of alternatives) out.push(`${prefix}${group} ${alt}`);
  }
  return out;
}

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const work = mkdtempSync(path.join(tmpdir(), 'opensoc-readme-'));
const dataDir = path.join(work, 'state');
const port = (name: string, fallback: number, offset: number) => Number(process.env[name] ?? fallback) + offset;
// Own ports, next to the test services', so neither the test services nor a developer's dev up are touched.
const env: NodeJS.ProcessEnv = {
  ...process.env,
  OPENSOC_DATA_DIR: dataDir,
  OPENSOC_TEMPORAL_PORT: String(port('OPENSOC_TEST_TEMPORAL_PORT', 27233, 7)),
  OPENSOC_POSTGRES_PORT: String(port('OPENSOC_TEST_POSTGRES_PORT', 25432, 7)),
  OPENSOC_S3_PORT: String(port('OPENSOC_TEST_S3_PORT', 21333, 20)),
  PORT: String(port('OPENSOC_TEST_S3_PORT', 21333, 40)),
  OPENSOC_LOCAL_TRAINERS: '1',
};
for (const k of ['TEMPORAL_ADDRESS', 'DATABASE_URL', 'S3_ENDPOINT', 'S3_BUCKET', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'OPENSOC_EMBEDDED_DB']) delete env[k];

const records = corpusSample(2); // 34 records, every category; the spec (test/fixtures/readme-spec.yaml) names its test ids
const files = {
  data: path.join(work, 'data.jsonl'), data2: path.join(work, 'data2.jsonl'), spec: path.join(work, 'spec.yaml'),
  logs: path.join(work, 'logs.txt'), labels: path.join(work, 'labels.jsonl'),
};
const jsonl = (rs: unknown[]) => rs.map((r) => JSON.stringify(r)).join('\n') + '\n';

interface Ran { code: number; stdout: string; stderr: string }
/** Runs a command line through bash in its own process group; past the time limit the group gets Ctrl-C (SIGINT), as from a terminal. */
function run(command: string, timeoutMs = 300_000): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', command], { cwd: repoRoot, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    const timer = setTimeout(() => { stderr += `\n(killed: over ${timeoutMs / 1000} s)`; process.kill(-child.pid!, 'SIGINT'); }, timeoutMs);
    child.once('close', (code) => { clearTimeout(timer); resolve({ code: code ?? -1, stdout, stderr }); });
  });
}
async function json<T>(command: string): Promise<T> {
  const r = await run(`pnpm -s opensoc ${command} --json`);
  if (r.code !== 0) throw new Error(`${command}: exit ${r.code}\n${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

// What the placeholders stand for, looked up when the command runs (after the ones before it).
interface Row { id: string; runId: string; family: string; mode: string }
const sweepId = async () => (await json<{ id: string }[]>('sweep list'))[0]!.id;
const entries = async () => json<Row[]>(`leaderboard --sweep ${await sweepId()}`);
const version = async (records: number) => (await json<{ hash: string; recordCount: number }[]>('dataset list mylogs')).find((v) => v.recordCount === records)!.hash.slice(0, 12);
const PLACEHOLDERS: Record<string, (command: string) => string | Promise<string>> = {
  'data.jsonl': () => files.data,
  'spec.yaml': () => files.spec,
  'logs.txt': () => files.logs,
  'labels.jsonl': () => files.labels,
  '<a>': () => version(34),
  '<b>': () => version(33),
  '<id>': () => sweepId(),
  '<runA>': async () => (await entries()).find((e) => e.family === 'lora')!.runId,
  '<runB>': async () => (await entries()).find((e) => e.family === 'majority')!.runId,
  // classify needs an adapter (a LoRA entry); reproducing the baseline entry keeps the test fast.
  '<entry>': async (command) => (await entries()).find((e) => (command.includes('classify') ? e.family === 'lora' && e.mode === 'label-scoring' : e.family === 'majority'))!.id,
};
async function substitute(command: string): Promise<string> {
  let out = command;
  for (const [k, value] of Object.entries(PLACEHOLDERS)) if (out.includes(k)) out = out.split(k).join(await value(command));
  return out;
}

// What each command must do beyond exiting 0.
const CHECKS: [RegExp, (r: Ran) => void][] = [
  [/dev up/, (r) => expect(r.stdout).toMatch(/export DATABASE_URL=postgres:\/\//)],
  [/dataset push/, (r) => expect(r.stdout).toMatch(/pushed mylogs@[0-9a-f]{64} \(34 records/)],
  [/dataset list/, (r) => expect(r.stdout).toMatch(/mylogs/)],
  [/dataset show/, (r) => expect(r.stdout).toMatch(/records 34/)],
  [/dataset diff/, (r) => expect(r.stdout).toMatch(/added 0, removed 1,/)],
  [/sweep start.*--dry-run/, (r) => expect(r.stdout).toMatch(/dry run, nothing started[\s\S]*units\s+2: 1 LoRA/)],
  [/sweep start(?!.*--dry-run)/, (r) => expect(r.stdout).toMatch(/majority/)],
  [/sweep watch/, (r) => expect(r.stdout).toMatch(/completed/)],
  [/sweep cancel/, (r) => expect(r.stdout + r.stderr).toMatch(/cancel/)],
  [/sweep list/, (r) => expect(r.stdout).toMatch(/completed/)],
  [/leaderboard/, (r) => expect(r.stdout).toMatch(/majority/)],
  [/compare/, (r) => expect(r.stdout).toMatch(/McNemar/)],
  [/reproduce/, (r) => expect(r.stdout).toMatch(/^REPRODUCED/m)],
  [/classify/, () => expect(readFileSync(files.labels, 'utf8').trim().split('\n').map((l) => JSON.parse(l))).toHaveLength(3)],
  [/token create/, (r) => expect(JSON.parse(r.stdout.trim().split('\n').at(-1)!)).toMatchObject({ scopes: ['read', 'write'] })],
];

const commands = readmeCommands(readFileSync(path.join(repoRoot, 'README.md'), 'utf8'));

beforeAll(() => {
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(files.data, jsonl(records));
  // The second version drops one training record (index 32 is not a test id of the spec).
  writeFileSync(files.data2, jsonl(records.filter((_, i) => i !== 32)));
  writeFileSync(files.logs, `${records.slice(0, 3).map((r) => r.log.split('\n')[0]).join('\n')}\n`);
  copyFileSync(path.join(repoRoot, 'test/fixtures/readme-spec.yaml'), files.spec);
});
afterAll(async () => {
  await run('pnpm -s opensoc dev down', 120_000);
  rmSync(work, { recursive: true, force: true });
});

/** Processes whose command line names this test's data directory (its services and workers). */
const leftovers = () => spawnSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' }).stdout.split('\n').filter((l) => l.includes(dataDir) && !l.includes('ps -eo'));

describe('the README commands, exactly as written', () => {
  it('are found in README.md, serve among them', () => {
    expect(commands[0]).toBe('pnpm opensoc dev up');
    expect(commands).toContain('pnpm opensoc serve');
    expect(commands.length).toBeGreaterThanOrEqual(12);
  });

  for (const command of commands) {
    if (command === 'pnpm opensoc serve') {
      it(command, async () => { await serveAndStop(command); });
      continue;
    }
    it(command, async () => {
      // `dataset diff` compares two versions: push the second one (not a README command) first.
      if (command.includes('dataset diff')) expect((await run(`pnpm -s opensoc dataset push ${files.data2} --name mylogs`)).code).toBe(0);
      const r = await run(await substitute(command));
      expect(r.code, `${command}\n${r.stderr}`).toBe(0);
      for (const [pattern, check] of CHECKS) if (pattern.test(command)) check(r);
    });
  }

  it('dev down (not in the block) leaves nothing running', async () => {
    expect((await run('pnpm -s opensoc dev down', 120_000)).code).toBe(0);
    expect(leftovers()).toEqual([]);
  });
});

/** `serve`: a JSON read and a page in headless Chromium, then Ctrl-C (SIGINT to its process group) stops everything it started. */
async function serveAndStop(command: string): Promise<void> {
  const child = spawn('bash', ['-c', `exec ${command}`], { cwd: repoRoot, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  try {
    const url = await new Promise<string>((resolve, reject) => {
      child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
        stderr += chunk;
        const m = /serving (http:\/\/\S+)\//.exec(stderr);
        if (m) resolve(m[1]!);
      });
      void exited.then((e) => reject(new Error(`serve exited ${e.code ?? e.signal}:\n${stderr}`)));
    });
    child.stdout!.resume();
    const res = await fetch(`${url}/v1/leaderboard?task=threatCategory`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { items: { family: string }[] };
    expect(body.items.map((i) => i.family)).toContain('majority');

    if (existsSync(CHROMIUM)) {
      const profile = mkdtempSync(path.join(tmpdir(), 'opensoc-chromium-'));
      const ctx = await chromium.launchPersistentContext(profile, {
        executablePath: CHROMIUM, headless: true, viewport: { width: 1280, height: 900 },
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      });
      try {
        const page = await ctx.newPage();
        const errors: string[] = [];
        page.on('pageerror', (e) => errors.push(e.message));
        await page.goto(`${url}/leaderboard`);
        expect(await page.locator('table tbody tr').count()).toBeGreaterThan(0);
        expect(await page.content()).toContain('majority');
        expect(errors).toEqual([]);
      } finally {
        await ctx.close();
        rmSync(profile, { recursive: true, force: true });
      }
    } else {
      console.warn(`readme-commands: no Chromium at ${CHROMIUM}, page not rendered (set CHROMIUM_PATH)`);
    }
  } finally {
    process.kill(-child.pid!, 'SIGINT');
  }
  // pnpm itself dies of the Ctrl-C, as in a terminal; the command behind it stops what it started and exits.
  const end = await exited;
  expect(end.signal === 'SIGINT' || end.code === 0 || end.code === 130, `${JSON.stringify(end)}\n${stderr}`).toBe(true);
  const groupAlive = () => { try { process.kill(-child.pid!, 0); return true; } catch { return false; } };
  for (let i = 0; i < 600 && groupAlive(); i++) await new Promise((r) => setTimeout(r, 100));
  // Nothing of the command's process group is left (its training workers included).
  expect(groupAlive(), stderr).toBe(false);
  expect(stderr).toContain('stopping');
  expect(stderr).not.toMatch(/without cleaning up|while stopping/);
}
