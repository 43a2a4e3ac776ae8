import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { workflowBundle } from '@opensoc/worker';
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
      await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, file);
    });
  }
});
