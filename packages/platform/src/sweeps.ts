import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { sweepSpecSchema, TASK_QUEUES, WORKFLOW_NAMES, QUERIES, expandUnits, type SweepSpec } from '@opensoc/contracts';
import { canonicalJson } from '@opensoc/datasets';
import { InvalidInputError } from './errors.ts';

/** Every problem in a sweep spec, one per line with its path, before anything starts. */
export function parseSweepSpec(input: unknown, file = 'spec'): SweepSpec {
  const parsed = sweepSpecSchema.safeParse(input);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${file}: ${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`);
    throw new InvalidInputError(`invalid sweep spec (${lines.length} error${lines.length === 1 ? '' : 's'}):\n${lines.join('\n')}`);
  }
  const spec = parsed.data;
  const problems: string[] = [];
  const space = spec.search.kind === 'grid' ? spec.search.grid : spec.search.space;
  if (space.ranks.length > 0 && spec.modes.length === 0) problems.push('modes: a sweep with LoRA ranks needs at least one classification mode');
  if (space.ranks.length === 0 && spec.baselines.length === 0) problems.push('search.grid.ranks and baselines are both empty: nothing to run');
  if (problems.length) throw new InvalidInputError(`invalid sweep spec (${problems.length} error${problems.length === 1 ? '' : 's'}):\n${problems.map((p) => `  ${file}: ${p}`).join('\n')}`);
  return spec;
}

/** The commit of the code that runs, recorded in every run's lineage. */
export function codeCommit(): string {
  if (process.env.OPENSOC_CODE_COMMIT) return process.env.OPENSOC_CODE_COMMIT;
  try {
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() !== '';
    return dirty ? `${head}-dirty` : head;
  } catch {
    return 'unknown';
  }
}

/** sha256 of the spec's canonical JSON (sorted keys, defaults applied): the same sweep, the same hash. */
export function specHash(spec: SweepSpec): string {
  return createHash('sha256').update(canonicalJson(spec)).digest('hex');
}

/** `<name>-<spec hash, 8 hex>-<random, 6 hex>`: runs of one spec share the middle part. */
export function newSweepId(spec: SweepSpec): string {
  return `${spec.name.toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 40)}-${specHash(spec).slice(0, 8)}-${randomBytes(3).toString('hex')}`;
}

/**
 * Starts a sweep workflow; the spec is validated first, so a bad spec starts nothing. With a
 * given sweepId that is already running, it attaches instead (a crashed `--wait` resumes).
 */
export async function startSweep(client: Client, input: unknown, opts: { sweepId?: string; historyLimit?: number } = {}): Promise<{ sweepId: string; units: number; attached?: boolean }> {
  const spec = parseSweepSpec(input);
  const sweepId = opts.sweepId ?? newSweepId(spec);
  let attached = false;
  try {
    await client.workflow.start(WORKFLOW_NAMES.sweep, {
      taskQueue: TASK_QUEUES.orchestration,
      workflowId: sweepId,
      args: [{ sweepId, spec, codeCommit: codeCommit(), historyLimit: opts.historyLimit }],
    });
  } catch (e) {
    if (!(e instanceof WorkflowExecutionAlreadyStartedError)) throw e;
    attached = true;
  }
  // Units are exact once the split is materialized; for k-fold this count is already exact.
  return { sweepId, attached, units: expandUnits(spec, sweepId, spec.split.kind === 'stratified-kfold' || spec.split.kind === 'template-grouped-kfold' ? spec.split.k : 1).length };
}

export async function sweepProgress(client: Client, sweepId: string) {
  return client.workflow.getHandle(sweepId).query(QUERIES.progress);
}
