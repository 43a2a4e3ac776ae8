import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { trainingWorkerEnv, type TestPlatform } from './platform.ts';
import { repoRoot } from './services.ts';

/** Runs the real `opensoc` CLI against a test platform's services; never throws, returns the exit code. */
export async function runCli(p: TestPlatform, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...process.env, ...trainingWorkerEnv(p), DATABASE_URL: p.databaseUrl };
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'apps/cli/src/main.ts'), ...args], { cwd: repoRoot, env, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}
