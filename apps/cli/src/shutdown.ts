/**
 * SIGINT/SIGTERM for the whole command: what a command started (workers, servers, the platform
 * and the services it started on demand) registers its stop here, and a signal runs them all,
 * newest first, before the process exits. A command that waits for a signal as its normal end
 * (`serve`) gets it through untilSignal() and stops itself.
 */
type Cleanup = () => Promise<void> | void;
const cleanups = new Set<Cleanup>();
const waiters: (() => void)[] = [];
let stoppingSince: number | undefined;

export function onShutdown(fn: Cleanup): () => void {
  cleanups.add(fn);
  return () => { cleanups.delete(fn); };
}

export function untilSignal(): Promise<void> {
  return new Promise((resolve) => waiters.push(resolve));
}

async function runCleanups(): Promise<void> {
  for (const fn of [...cleanups].reverse()) {
    cleanups.delete(fn);
    await Promise.resolve().then(fn).catch((e: unknown) => console.error(`opensoc: while stopping: ${(e as Error).message}`));
  }
}

export function installSignalHandlers(): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      // Ctrl-C reaches this process twice (from the terminal and relayed by tsx): one stop is enough.
      // A signal more than 2 s into stopping is someone insisting: exit at once.
      if (stoppingSince !== undefined) {
        if (Date.now() - stoppingSince > 2000) { console.error('opensoc: stopped without cleaning up'); process.exit(1); }
        return;
      }
      stoppingSince = Date.now();
      if (waiters.length) { for (const resolve of waiters.splice(0)) resolve(); return; }
      console.error(`opensoc: ${signal}, stopping what this command started`);
      void runCleanups().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
    });
  }
}
