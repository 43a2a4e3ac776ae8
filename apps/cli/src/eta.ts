import type { SweepTiming } from '@opensoc/workflows';

export interface Eta {
  /** Seconds until every unit has finished, or null while some kind of unit has no finished unit yet. */
  seconds: number | null;
  /** Mean seconds per finished unit (over all kinds), what the estimate rests on besides the clock. */
  meanUnitSeconds: number | null;
  finishedUnits: number;
  /** The kind of unit the estimate is waiting for (no unit of it has finished yet). */
  waitingFor?: string;
  /** Mean seconds per finished unit of each kind. */
  kindMeans?: Record<string, number>;
}

/**
 * Time left for a sweep's units, from the durations of its finished units only: units not yet
 * started take the mean each, running ones the part of the mean they have not used yet (never
 * less than 0), spread over the sweep's concurrency. With per-kind timing (LoRA training, the
 * untuned base model, other baselines: seconds apart from hours), each kind uses its own mean and
 * no number is given while a kind with units left has none finished. Nothing is guessed, and
 * while no unit finishes the estimate can only shrink as the clock moves.
 */
export function sweepEta(timing: SweepTiming, total: number, nowMs: number): Eta {
  const { finishedUnits, finishedSeconds } = timing;
  const overall = finishedUnits > 0 ? finishedSeconds / finishedUnits : null;
  if (finishedUnits === 0) return { seconds: null, meanUnitSeconds: null, finishedUnits };
  const running = Object.entries(timing.runningSince);
  const notStartedTotal = Math.max(0, total - finishedUnits - running.length);
  const lanes = Math.max(1, Math.min(timing.concurrency, notStartedTotal + running.length));
  const left = (mean: number, starts: number[]) => starts.reduce((sum, start) => sum + Math.max(0, mean - Math.max(0, nowMs - start) / 1000), 0);
  if (!timing.kinds || !timing.runningKind) {
    const mean = overall!;
    return { seconds: (notStartedTotal * mean + left(mean, running.map(([, s]) => s))) / lanes, meanUnitSeconds: mean, finishedUnits };
  }
  let work = 0;
  const kindMeans: Record<string, number> = {};
  for (const [kind, k] of Object.entries(timing.kinds)) {
    const starts = running.filter(([id]) => timing.runningKind![id] === kind).map(([, s]) => s);
    const notStarted = Math.max(0, k.total - k.finishedUnits - starts.length);
    if (notStarted + starts.length === 0) continue;
    if (k.finishedUnits === 0) return { seconds: null, meanUnitSeconds: overall, finishedUnits, waitingFor: kind };
    const mean = k.finishedSeconds / k.finishedUnits;
    kindMeans[kind] = mean;
    work += notStarted * mean + left(mean, starts);
  }
  return { seconds: work / lanes, meanUnitSeconds: overall, finishedUnits, kindMeans };
}

/** The ETA as watch prints it, saying what it rests on. */
export function formatEta(eta: Eta): string {
  if (eta.seconds === null) return eta.waitingFor ? `ETA after the first ${eta.waitingFor} unit finishes` : 'ETA after the first unit finishes';
  const basis = eta.kindMeans && Object.keys(eta.kindMeans).length > 0
    ? Object.entries(eta.kindMeans).map(([k, m]) => `${k} ${m.toFixed(1)}s`).join(', ')
    : `mean ${eta.meanUnitSeconds!.toFixed(1)}s`;
  return `ETA ${Math.round(eta.seconds)}s (${basis} per unit, from ${eta.finishedUnits} finished unit${eta.finishedUnits === 1 ? '' : 's'})`;
}
