import { existsSync } from 'node:fs';
import { expandConfigs, expandUnits, type DatasetRecord, type SplitManifest, type SweepSpec } from '@opensoc/contracts';
import { leakageReport, materializeSplit, splitTemplateLeakage } from '@opensoc/datasets';
import type { DatasetVersionRow, Db } from '@opensoc/db';
import type { ArtifactStore } from '@opensoc/storage';
import { loadDatasetRecords, tryResolveDataset } from './datasets.ts';
import { NotFoundError } from './errors.ts';
import { specError, type SpecLocator, type SpecProblem } from './spec-file.ts';

/** How an extra evaluation set overlaps the sweep's dataset (every unit trains on part of it). */
export interface EvalSetOverlap {
  ref: string;
  name: string;
  hash: string;
  records: number;
  /** Evaluation records whose id is also a dataset record's id. */
  sameIds: number;
  /** Evaluation logs identical to a dataset log. */
  exactDuplicates: number;
  /** Evaluation records whose log template occurs in the dataset. */
  sharedTemplate: number;
  /** Evaluation records with any kind of overlap (exact, template or near duplicate). */
  leaked: number;
}

/** What a sweep would do, computed without starting or storing anything (`sweep start --dry-run`). */
export interface SweepPlan {
  /** The parsed spec with every dataset reference pinned to its full hash. */
  spec: SweepSpec;
  dataset: { ref: string; name: string; hash: string; records: number; templates: number };
  split: { kind: string; hash: string; folds: { index: number; train: number; test: number; sharedTemplate: number }[] };
  extraEvalSets: EvalSetOverlap[];
  units: { lora: number; baseline: number; total: number; configs: number; seeds: number; folds: number };
  work: {
    /** Pretraining optimizer steps (one small base model per fold), 0 for a given checkpoint. */
    pretrainSteps: number;
    /** Training examples seen by all LoRA units together (epochs x training records). */
    loraTrainingExamples: number;
    /** Records classified by model units (LoRA and the untuned base model), per mode, over all evaluation sets. */
    modelClassifications: number;
  };
  warnings: string[];
}

/**
 * Checks a parsed spec against what is stored, listing every problem at once: unknown datasets
 * and versions (with the versions that exist), a split the dataset cannot satisfy, and
 * evaluation sets that overlap the training data (a warning with counts, an error when every
 * evaluation record is already in the dataset, since the result would then measure memory).
 * Nothing is started or stored.
 */
export async function planSweep(deps: { db: Db; store: ArtifactStore }, spec: SweepSpec, opts: { file?: string; locate?: SpecLocator } = {}): Promise<SweepPlan> {
  const file = opts.file ?? 'spec';
  const problems: SpecProblem[] = [];
  const warnings: string[] = [];

  let missing = 0;
  const resolve = async (ref: string, path: PropertyKey[]): Promise<DatasetVersionRow | undefined> => {
    const r = await tryResolveDataset(deps.db, ref);
    if ('error' in r) {
      problems.push({ path, message: r.error.message });
      if (r.error instanceof NotFoundError) missing++;
      return undefined;
    }
    return r.row;
  };
  const dataset = await resolve(spec.dataset, ['dataset']);
  const evalRows = await Promise.all(spec.extraEvalSets.map((ref, i) => resolve(ref, ['extraEvalSets', i])));
  if (spec.baseModel.kind === 'checkpoint' && !existsSync(spec.baseModel.path)) {
    warnings.push(`baseModel.path: ${spec.baseModel.path} does not exist on this machine (training workers read it on theirs)`);
  }
  if (!dataset || problems.length > 0) {
    const e = specError(file, problems, opts.locate);
    // Only references to things that do not exist: exit code "not found", not "invalid".
    throw missing === problems.length ? Object.assign(new NotFoundError(e.message), { stack: e.stack }) : e;
  }

  const records = await loadDatasetRecords(deps.store, dataset);
  let manifest: SplitManifest;
  let splitHash: string;
  try {
    ({ manifest, hash: splitHash } = materializeSplit(records, spec.split, { datasetHash: dataset.hash }));
  } catch (e) {
    throw specError(file, [{ path: ['split'], message: `cannot split ${dataset.name}@${dataset.hash.slice(0, 12)} (${records.length} records): ${(e as Error).message.replace(/^split: /, '')}` }], opts.locate);
  }
  const leakage = splitTemplateLeakage(records, manifest);
  const folds = manifest.folds.map((f, i) => ({ index: f.index, train: f.trainIds.length, test: f.testIds.length, sharedTemplate: leakage[i]!.sharedTemplate }));

  const extraEvalSets: EvalSetOverlap[] = [];
  for (const [i, row] of evalRows.entries()) {
    if (!row) continue;
    const ref = spec.extraEvalSets[i]!;
    const evalRecords = row.hash === dataset.hash ? records : await loadDatasetRecords(deps.store, row);
    const overlap = evalSetOverlap(records, evalRecords);
    extraEvalSets.push({ ref, name: row.name, hash: row.hash, records: evalRecords.length, ...overlap });
    const where = `extraEvalSets[${i}] (${row.name}@${row.hash.slice(0, 12)}, ${evalRecords.length} records)`;
    if (row.hash === dataset.hash || overlap.exactDuplicates === evalRecords.length) {
      problems.push({ path: ['extraEvalSets', i], message: `every one of its ${evalRecords.length} records is already in the training dataset ${dataset.name}@${dataset.hash.slice(0, 12)}: its score would measure memory, not generalization` });
    } else if (overlap.leaked > 0 || overlap.sameIds > 0) {
      warnings.push(`${where} overlaps the training dataset: ${overlap.sameIds} same ids, ${overlap.exactDuplicates} identical logs, ${overlap.sharedTemplate} sharing a log template, ${overlap.leaked} overlapping in any way (${pctText(overlap.leaked, evalRecords.length)}); its score is optimistic by that much`);
    }
  }
  if (problems.length > 0) throw specError(file, problems, opts.locate);

  const sharedTotal = folds.reduce((s, f) => s + f.sharedTemplate, 0);
  const testTotal = folds.reduce((s, f) => s + f.test, 0);
  if (spec.split.kind !== 'template-grouped-kfold' && sharedTotal > 0) {
    warnings.push(`split: ${sharedTotal} of ${testTotal} test records (${pctText(sharedTotal, testTotal)}) share a log template with their fold's training records; template-grouped-kfold avoids that`);
  }

  const pinned: SweepSpec = {
    ...spec,
    dataset: `${dataset.name}@${dataset.hash}`,
    extraEvalSets: extraEvalSets.map((e) => `${e.name}@${e.hash}`),
  };
  const units = expandUnits(pinned, 'plan', manifest.folds.length);
  const lora = units.filter((u) => u.kind === 'lora');
  const evalPerFold = extraEvalSets.reduce((s, e) => s + e.records, 0);
  const modelUnits = units.filter((u) => u.modes.length > 0);
  return {
    spec: pinned,
    dataset: { ref: spec.dataset, name: dataset.name, hash: dataset.hash, records: dataset.recordCount, templates: dataset.templateCount },
    split: { kind: spec.split.kind, hash: splitHash, folds },
    extraEvalSets,
    units: { lora: lora.length, baseline: units.length - lora.length, total: units.length, configs: expandConfigs(pinned).length, seeds: spec.seeds.length, folds: manifest.folds.length },
    work: {
      pretrainSteps: spec.baseModel.kind === 'pretrain' ? spec.baseModel.steps * manifest.folds.length : 0,
      loraTrainingExamples: lora.reduce((s, u) => s + (u.kind === 'lora' ? u.config.epochs : 0) * folds[u.fold]!.train, 0),
      modelClassifications: modelUnits.reduce((s, u) => s + u.modes.length * (folds[u.fold]!.test + evalPerFold), 0),
    },
    warnings,
  };
}

function evalSetOverlap(train: readonly DatasetRecord[], test: readonly DatasetRecord[]) {
  const ids = new Set(train.map((r) => r.id));
  const report = leakageReport(train, test, { maxExamples: 0 });
  return {
    sameIds: test.filter((r) => ids.has(r.id)).length,
    exactDuplicates: report.totals.exactDuplicates,
    sharedTemplate: report.totals.sharedTemplate,
    leaked: report.totals.leaked,
  };
}

const pctText = (n: number, d: number) => `${((100 * n) / Math.max(1, d)).toFixed(1)}%`;

/** The plan as a short text for people. */
export function formatPlan(plan: SweepPlan, file: string): string {
  const short = (name: string, hash: string) => `${name}@${hash.slice(0, 12)}`;
  const f = plan.split.folds;
  const shared = f.reduce((s, x) => s + x.sharedTemplate, 0);
  const tests = f.reduce((s, x) => s + x.test, 0);
  const lines = [
    `${file}: valid; dry run, nothing started`,
    `dataset     ${short(plan.dataset.name, plan.dataset.hash)} (${plan.dataset.records} records, ${plan.dataset.templates} templates; from ${plan.dataset.ref})`,
    `split       ${plan.split.kind}, ${f.length} fold${f.length === 1 ? '' : 's'}, test sizes ${f.map((x) => x.test).join(' / ')}; test records sharing a template with training: ${shared} of ${tests} (${pctText(shared, tests)})`,
    ...plan.extraEvalSets.map((e) => `eval set    ${short(e.name, e.hash)} (${e.records} records): ${e.exactDuplicates} identical to, ${e.sharedTemplate} sharing a template with the dataset`),
    `units       ${plan.units.total}: ${plan.units.lora} LoRA (${plan.units.configs} configs x ${plan.units.seeds} seed${plan.units.seeds === 1 ? '' : 's'} x ${plan.units.folds} folds) + ${plan.units.baseline} baseline`,
    `work        ${plan.work.pretrainSteps ? `${plan.work.pretrainSteps} pretraining steps; ` : ''}${plan.work.loraTrainingExamples} LoRA training examples (epochs x training records); ${plan.work.modelClassifications} model classifications (records x modes)`,
    ...plan.warnings.map((w) => `warning: ${w}`),
  ];
  return lines.join('\n');
}
