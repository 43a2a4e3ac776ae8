import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { trainingWorkerEnv, type TestPlatform } from './platform.ts';
import { repoRoot } from './services.ts';

export interface CliResult { code: number; stdout: string; stderr: string }

/** Runs the real `opensoc` CLI (a child process) against a test platform's services. */
export async function runCli(p: TestPlatform, ...args: string[]): Promise<CliResult> {
  const env = { ...process.env, ...trainingWorkerEnv(p), DATABASE_URL: p.databaseUrl };
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'apps/cli/src/main.ts'), ...args], { cwd: repoRoot, env, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

/** Runs several CLI calls, at most `concurrency` at a time (each is a process start), results in call order. */
export async function runCliAll(p: TestPlatform, calls: readonly string[][], concurrency = 3): Promise<CliResult[]> {
  const out: CliResult[] = new Array(calls.length);
  let next = 0;
  const lane = async () => {
    for (let i = next++; i < calls.length; i = next++) out[i] = await runCli(p, ...calls[i]!);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, calls.length) }, lane));
  return out;
}
