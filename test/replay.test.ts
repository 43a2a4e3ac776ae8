import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { replayHistory } from '@opensoc/worker';
import { repoRoot } from './support/services.ts';

const dir = path.join(repoRoot, 'test/fixtures/histories');

/**
 * Replays committed histories of real runs through today's workflow code: a change that would
 * make running workflows non-deterministic fails here. Regenerate after an intended change with
 * OPENSOC_RECORD_HISTORIES=1 pnpm test test/sweep-baselines.test.ts (and version the workflow).
 */
describe('workflow determinism', () => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  it('has recorded histories', () => expect(files.length).toBeGreaterThanOrEqual(2));
  for (const file of files) {
    it(`replays ${file}`, async () => {
      const history = JSON.parse(readFileSync(path.join(dir, file), 'utf8'));
      await replayHistory(history, file);
    });
  }
});

describe('a non-deterministic change is caught', () => {
  it('fails to replay a history whose recorded activity differs from what the code schedules', async () => {
    const history = JSON.parse(readFileSync(path.join(dir, 'train-eval.json'), 'utf8'));
    // Pretend the recorded run scheduled another activity than today's code does.
    const scheduled = history.events.find((e: { activityTaskScheduledEventAttributes?: unknown }) => e.activityTaskScheduledEventAttributes);
    scheduled.activityTaskScheduledEventAttributes.activityType.name = 'somethingElse';
    await expect(replayHistory(history, 'tampered')).rejects.toThrow(/[Nn]ondetermin|[Dd]eterminism/);
  });
});
