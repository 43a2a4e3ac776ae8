import type { SweepTiming } from '@opensoc/workflows';

export interface Eta {
  /** Seconds until every unit has finished, or null before the first unit has finished. */
  seconds: number | null;
  /** Mean seconds per finished unit, the estimate's only input besides the clock. */
  meanUnitSeconds: number | null;
  finishedUnits: number;
}

/**
 * Time left for a sweep's units, from the durations of its finished units only: units not yet
 * started take the mean each, running ones the part of the mean they have not used yet (never
 * less than 0), spread over the sweep's concurrency. Nothing is guessed before a unit finishes,
 * and while none finishes the estimate can only shrink as the clock moves.
 */
export function sweepEta(timing: SweepTiming, total: number, nowMs: number): Eta {
  const { finishedUnits, finishedSeconds } = timing;
  if (finishedUnits === 0) return { seconds: null, meanUnitSeconds: null, finishedUnits };
  const mean = finishedSeconds / finishedUnits;
  const runningStarts = Object.values(timing.runningSince);
  const notStarted = Math.max(0, total - finishedUnits - runningStarts.length);
  const runningLeft = runningStarts.reduce((sum, start) => sum + Math.max(0, mean - Math.max(0, nowMs - start) / 1000), 0);
  const lanes = Math.max(1, Math.min(timing.concurrency, notStarted + runningStarts.length));
  return { seconds: (notStarted * mean + runningLeft) / lanes, meanUnitSeconds: mean, finishedUnits };
}

/** The ETA as watch prints it, saying what it rests on. */
export function formatEta(eta: Eta): string {
  if (eta.seconds === null) return 'ETA after the first unit finishes';
  return `ETA ${Math.round(eta.seconds)}s (mean ${eta.meanUnitSeconds!.toFixed(1)}s over ${eta.finishedUnits} finished unit${eta.finishedUnits === 1 ? '' : 's'})`;
}
