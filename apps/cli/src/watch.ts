import type { Client } from '@temporalio/client';
import type { SweepProgress, SweepSummary } from '@opensoc/workflows';
import { QUERIES } from '@opensoc/contracts';
import { listLeaderboard, type Db } from '@opensoc/db';
import type { SweepEtaInfo } from '@opensoc/api';
import { formatEta, sweepEta, type Eta } from './eta.ts';

/** The time left while units train, from finished units' durations (workflows older than the timing field get none). */
const progressEta = (p: SweepProgress): Eta | null => (p.timing && p.phase === 'training' ? sweepEta(p.timing, p.total, Date.now()) : null);

/** A running sweep's time left, read from its workflow (what `serve` gives the API's sweep page and JSON). */
export async function sweepEtaOf(client: Client, workflowId: string): Promise<SweepEtaInfo | null> {
  const e = progressEta(await client.workflow.getHandle(workflowId).query<SweepProgress>(QUERIES.progress));
  return e ? { seconds: e.seconds, finishedUnits: e.finishedUnits, waitingFor: e.waitingFor ?? null } : null;
}

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

/** The sweep's top leaderboard row now (threat category), as far as it has been aggregated. */
export interface LeaderSnapshot { label: string; accuracy: number; n: number; partial: boolean }

/** The leader segment of the progress line: a figure from a running sweep says it is partial, with its n. */
export function formatLeader(row: LeaderSnapshot | undefined): string {
  if (!row) return '';
  return `leader ${row.label} ${(100 * row.accuracy).toFixed(1)}% (n ${row.n}${row.partial ? ', PARTIAL: may change' : ''})`;
}

/** Reads the sweep's current top threat-category row from the database the sweep writes to. */
export const liveLeader = (db: Db, sweepId: string) => async (): Promise<LeaderSnapshot | undefined> =>
  (await listLeaderboard(db, { sweepId, task: 'threatCategory', limit: 1 }))[0];

/**
 * Follows a sweep until it ends: a progress bar on a TTY, one line per change otherwise (or JSON
 * lines). leader, when given, reads the live leaderboard (partial rows while units still run).
 */
export async function watchSweep(client: Client, sweepId: string, opts: { json?: boolean; intervalMs?: number; leader?: () => Promise<LeaderSnapshot | undefined> } = {}): Promise<SweepSummary> {
  const handle = client.workflow.getHandle(sweepId);
  const started = Date.now();
  let finished = false;
  const result = handle.result().finally(() => { finished = true; }) as Promise<SweepSummary>;
  result.catch(() => {});
  let last = '';
  let lastPrinted = 0;
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
    const estimate = progressEta(p);
    const eta = estimate ? formatEta(estimate) : '';
    const losses = await Promise.all(p.running.slice(0, 4).map((u) => unitLoss(client, u)));
    const leader = await opts.leader?.().catch(() => undefined);
    if (opts.json) {
      const { timing: _timing, ...rest } = p;
      console.error(JSON.stringify({ sweepId, ...rest, elapsedSeconds: Math.round(elapsed), etaSeconds: estimate?.seconds ?? null, meanUnitSeconds: estimate?.meanUnitSeconds ?? null, leader: leader ?? null, running: losses }));
      continue;
    }
    const line = `${p.phase.padEnd(11)} ${bar(done, p.total)} ${done}/${p.total}${p.failed ? ` (${p.failed} failed)` : ''} ${eta}${p.best ? ` best fold ${p.best.label} ${(100 * p.best.accuracy).toFixed(1)}%` : ''}${leader ? ` ${formatLeader(leader)}` : ''}${losses.length ? ` | ${losses.join('; ')}` : ''}`;
    // Not a terminal (a log file): a line when something other than the ETA's countdown changes, else once a minute.
    const key = line.replace(/ETA \d+s/, 'ETA');
    if (process.stderr.isTTY) process.stderr.write(`\r\x1b[2K${line.slice(0, (process.stderr.columns ?? 120) - 1)}`);
    else if (key !== last || Date.now() - lastPrinted >= 60_000) { console.error(line); lastPrinted = Date.now(); }
    last = key;
  }
  if (process.stderr.isTTY) process.stderr.write('\n');
  return result;
}
