import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface TrainingWorkerProcess {
  child: ChildProcess;
  /** Resolves once the process has printed that its worker is polling. */
  ready: Promise<void>;
  exited: Promise<number | null>;
  /** SIGTERM: a graceful stop (running training checkpoints first). */
  stop(): Promise<number | null>;
}

const mainPath = path.join(path.dirname(fileURLToPath(import.meta.url)), 'main.ts');

/**
 * Starts a training worker in its own process. CPU-bound training would otherwise block the
 * event loop that drives workflow tasks and heartbeats; a separate process is also what a real
 * deployment runs (one per device). It needs only Temporal and S3, given through env.
 */
export function spawnTrainingWorker(opts: { env: Record<string, string>; queue?: 'train-cpu' | 'train-gpu'; log?: (line: string) => void }): TrainingWorkerProcess {
  // node --import tsx runs the worker in this very process id (the tsx CLI would add a wrapper
  // process, and killing the wrapper would orphan the worker).
  const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm')).href;
  const child = spawn(process.execPath, ['--import', tsxLoader, mainPath, '--queue', opts.queue ?? 'train-cpu'], {
    env: { ...process.env, ...opts.env, DATABASE_URL: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      for (const line of chunk.split('\n').filter(Boolean)) {
        opts.log?.(line);
        if (line.includes('"worker-started"')) resolve();
      }
    });
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => opts.log?.(chunk.trimEnd()));
    void exited.then((code) => reject(new Error(`training worker exited with code ${code} before it started`)));
  });
  return {
    child, ready, exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
