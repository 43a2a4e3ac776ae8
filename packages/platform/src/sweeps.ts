import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { designFoldCount, evaluationOf, sweepSpecSchema, TASK_QUEUES, trainingDatasetOf, WORKFLOW_NAMES, QUERIES, expandUnits, type SweepSpec } from '@opensoc/contracts';
import { currentConfig } from '@opensoc/config';
import type { Db } from '@opensoc/db';
import type { ArtifactStore } from '@opensoc/storage';
import { planSweep, type SweepPlan } from './sweep-plan.ts';
import { specError, type SpecLocator, type SpecProblem } from './spec-file.ts';
import { canonicalJson } from '@opensoc/datasets';

/** zod's issues rewritten for people: unknown keys one by one, enum and union choices spelled out. */
function schemaProblems(issues: readonly { code: string; path: PropertyKey[]; message: string; keys?: string[]; options?: unknown[]; values?: unknown[]; origin?: string; minimum?: unknown; maximum?: unknown; inclusive?: boolean }[]): SpecProblem[] {
  const out: SpecProblem[] = [];
  for (const i of issues) {
    if (i.code === 'unrecognized_keys' && i.keys) for (const k of i.keys) out.push({ path: [...i.path, k], message: 'unknown field (docs/sweep-spec.md lists the fields)' });
    else if (i.code === 'invalid_union' && i.options) out.push({ path: i.path, message: `must be one of ${i.options.map(String).join(' | ')}` });
    else if (i.code === 'invalid_value' && i.values) out.push({ path: i.path, message: `must be one of ${i.values.map(String).join(' | ')}` });
    else if (i.code === 'invalid_type' && /received undefined/.test(i.message)) out.push({ path: i.path, message: 'is required' });
    else if ((i.code === 'too_small' || i.code === 'too_big') && i.origin) out.push({ path: i.path, message: boundText(i.code, i.origin, i.minimum ?? i.maximum, i.inclusive !== false) });
    else out.push({ path: i.path, message: i.message });
  }
  return out;
}

function boundText(code: string, origin: string, bound: unknown, inclusive: boolean): string {
  const b = String(bound);
  if (origin === 'array') return code === 'too_small' ? `must have at least ${b} item${b === '1' ? '' : 's'}` : `must have at most ${b} items`;
  if (origin === 'string') return code === 'too_small' ? `must be at least ${b} character${b === '1' ? '' : 's'} long` : `must be at most ${b} characters long`;
  return `must be ${code === 'too_small' ? (inclusive ? '>=' : '>') : (inclusive ? '<=' : '<')} ${b}`;
}

/** Every problem in a sweep spec, one per line with its file, position and field path, before anything starts. */
export function parseSweepSpec(input: unknown, file = 'spec', locate?: SpecLocator): SweepSpec {
  const parsed = sweepSpecSchema.safeParse(input);
  if (!parsed.success) throw specError(file, schemaProblems(parsed.error.issues as never), locate);
  const spec = parsed.data;
  const problems: SpecProblem[] = [];
  const spaceKey = spec.search.kind === 'grid' ? 'grid' : 'space';
  const space = spec.search.kind === 'grid' ? spec.search.grid : spec.search.space;
  if (space.ranks.length > 0 && spec.modes.length === 0) problems.push({ path: ['modes'], message: 'a sweep with LoRA ranks needs at least one classification mode' });
  if (space.ranks.length === 0 && spec.baselines.length === 0) problems.push({ path: ['search', spaceKey, 'ranks'], message: 'ranks and baselines are both empty: nothing to run' });
  if (new Set(spec.seeds).size !== spec.seeds.length) problems.push({ path: ['seeds'], message: 'a seed is listed twice' });
  const e = evaluationOf(spec);
  if (e.kind === 'holdout' && e.testOn === trainingDatasetOf(spec)) problems.push({ path: ['evaluation', 'testOn'], message: 'is the training dataset itself; a holdout design tests on another one (use kind: cv within one dataset)' });
  if (problems.length) throw specError(file, problems, locate);
  return spec;
}

/** The commit of the code that runs, recorded in every run's lineage. */
export function codeCommit(): string {
  const pinned = currentConfig().worker.codeCommit;
  if (pinned) return pinned;
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

export interface StartSweepOptions {
  sweepId?: string;
  historyLimit?: number;
  /**
   * Database and store to check the spec against before starting: unknown datasets and
   * versions, split errors and train/evaluation overlap fail here instead of inside a
   * workflow. Dataset references are then pinned to the resolved hashes.
   */
  preflight?: { db: Db; store: ArtifactStore };
  /** An already computed plan (from planSweep): its pinned spec is started as is. */
  plan?: SweepPlan;
  /** Where the spec came from, for messages. */
  file?: string;
}

/**
 * Starts a sweep workflow; the spec is validated first, so a bad spec starts nothing. With a
 * given sweepId that is already running, it attaches instead (a crashed `--wait` resumes).
 */
export async function startSweep(client: Client, input: unknown, opts: StartSweepOptions = {}): Promise<{ sweepId: string; units: number; attached?: boolean; warnings: string[] }> {
  const plan = opts.plan ?? (opts.preflight ? await planSweep(opts.preflight, parseSweepSpec(input, opts.file), { file: opts.file }) : undefined);
  const spec = plan?.spec ?? parseSweepSpec(input, opts.file);
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
  // Every design's fold count follows from the spec (k for cv, one otherwise), so both counts are exact.
  const units = plan?.units.total ?? expandUnits(spec, sweepId, designFoldCount(evaluationOf(spec))).length;
  return { sweepId, attached, units, warnings: plan?.warnings ?? [] };
}

export async function sweepProgress(client: Client, sweepId: string) {
  return client.workflow.getHandle(sweepId).query(QUERIES.progress);
}
