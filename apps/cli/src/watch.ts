import type { Client } from '@temporalio/client';
import type { SweepProgress, SweepSummary } from '@opensoc/workflows';
import { QUERIES } from '@opensoc/contracts';

/** Latest loss of a running unit, read from its training activity's last heartbeat. */
async function unitLoss(client: Client, unitId: string): Promise<string> {
  try {
    const d = await client.workflow.getHandle(unitId).describe();
    const pending = d.raw.pendingActivities?.[0];
    const payload = pending?.heartbeatDetails?.payloads?.[0]?.data;
    if (!payload) return `${unitId.split('/').slice(1).join('/')}: ${pending?.activityType?.name ?? 'starting'}`;
    const h = JSON.parse(Buffer.from(payload).toString('utf8')) as { step?: number; totalSteps?: number; loss?: number; phase?: string };
    return `${unitId.split('/').slice(1).join('/')}: ${h.phase ?? ''} ${h.step ?? ''}${h.totalSteps ? `/${h.totalSteps}` : ''}${h.loss !== undefined ? ` loss ${h.loss.toFixed(3)}` : ''}`.trim();
  } catch {
    return unitId;
  }
}

const bar = (done: number, total: number, width = 24) => {
  const filled = total ? Math.round((done / total) * width) : 0;
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
};

/** Follows a sweep until it ends: a progress bar on a TTY, one line per change otherwise (or JSON lines). */
export async function watchSweep(client: Client, sweepId: string, opts: { json?: boolean; intervalMs?: number } = {}): Promise<SweepSummary> {
  const handle = client.workflow.getHandle(sweepId);
  const started = Date.now();
  let finished = false;
  const result = handle.result().finally(() => { finished = true; }) as Promise<SweepSummary>;
  result.catch(() => {});
  let last = '';
  while (!finished) {
    await Promise.race([result.catch(() => undefined), new Promise((r) => setTimeout(r, opts.intervalMs ?? 2000))]);
    if (finished) break;
    let p: SweepProgress;
    try {
      p = await handle.query<SweepProgress>(QUERIES.progress);
    } catch {
      continue;
    }
    const done = p.done + p.failed;
    const elapsed = (Date.now() - started) / 1000;
    const eta = done > 0 && p.total > done ? `ETA ${Math.round((elapsed / done) * (p.total - done))}s` : '';
    const losses = await Promise.all(p.running.slice(0, 4).map((u) => unitLoss(client, u)));
    if (opts.json) {
      console.error(JSON.stringify({ sweepId, ...p, elapsedSeconds: Math.round(elapsed), running: losses }));
      continue;
    }
    const line = `${p.phase.padEnd(11)} ${bar(done, p.total)} ${done}/${p.total}${p.failed ? ` (${p.failed} failed)` : ''} ${eta}${p.best ? ` best ${p.best.label} ${(100 * p.best.accuracy).toFixed(1)}%` : ''}${losses.length ? ` | ${losses.join('; ')}` : ''}`;
    if (process.stderr.isTTY) process.stderr.write(`\r\x1b[2K${line.slice(0, (process.stderr.columns ?? 120) - 1)}`);
    else if (line !== last) console.error(line);
    last = line;
  }
  if (process.stderr.isTTY) process.stderr.write('\n');
  return result;
}
