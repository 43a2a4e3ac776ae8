import { existsSync } from 'node:fs';
import { expandConfigs, expandUnits, trainingDatasetOf, unitsNeedBaseModel, type DatasetRecord, type SplitManifest, type SweepSpec } from '@opensoc/contracts';
import { leakageReport, logTemplateId } from '@opensoc/datasets';
import type { DatasetVersionRow, Db } from '@opensoc/db';
import type { ArtifactStore } from '@opensoc/storage';
import { loadDatasetRecords, tryResolveDataset } from './datasets.ts';
import { NotFoundError } from './errors.ts';
import { designRefs, materializeDesign, trainingRefPath } from './splits.ts';
import { specError, type SpecLocator, type SpecProblem } from './spec-file.ts';

/** How a holdout design's test set overlaps its training data. */
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
  /** A holdout design's test set (another dataset version) and its overlap with the training data. */
  testSet?: EvalSetOverlap;
  units: { lora: number; baseline: number; total: number; configs: number; seeds: number; folds: number };
  work: {
    /** Pretraining optimizer steps (one small base model per fold), 0 for a given checkpoint. */
    pretrainSteps: number;
    /** Training examples seen by all LoRA units together (epochs x training records). */
    loraTrainingExamples: number;
    /** Records classified by model units (LoRA and the untuned base model), per mode. */
    modelClassifications: number;
  };
  warnings: string[];
}

/**
 * Checks a parsed spec against what is stored, listing every problem at once: unknown datasets
 * and versions (with the versions that exist), a design the data cannot satisfy, and a holdout
 * test set that overlaps the training data (a warning with counts, an error when every test
 * record is already in the training data, since the result would then measure memory).
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
  const trainRef = trainingDatasetOf(spec);
  const dataset = await resolve(trainRef, trainingRefPath(spec));
  const refs = designRefs(spec);
  const refRows = await Promise.all(refs.map((d) => resolve(d.ref, d.path)));
  if (spec.baseModel.kind === 'checkpoint' && !existsSync(spec.baseModel.path)) {
    warnings.push(`baseModel.path: ${spec.baseModel.path} does not exist on this machine (training workers read it on theirs)`);
  }
  if (!dataset || problems.length > 0) {
    const e = specError(file, problems, opts.locate);
    // Only references to things that do not exist: exit code "not found", not "invalid".
    throw missing === problems.length ? Object.assign(new NotFoundError(e.message), { stack: e.stack }) : e;
  }

  const records = await loadDatasetRecords(deps.store, dataset);
  const others: Parameters<typeof materializeDesign>[2] = {};
  const pinnedRefs = new Map<string, string>();
  for (const [i, d] of refs.entries()) {
    const row = refRows[i]!;
    others[d.role] = { hash: row.hash, records: row.hash === dataset.hash ? records : await loadDatasetRecords(deps.store, row) };
    pinnedRefs.set(d.role, `${row.name}@${row.hash}`);
  }
  const designPath = spec.split ? ['split'] : ['evaluation'];
  let manifest: SplitManifest;
  let splitHash: string;
  try {
    ({ manifest, hash: splitHash } = materializeDesign(spec, { hash: dataset.hash, records }, others));
  } catch (e) {
    throw specError(file, [{ path: designPath, message: `cannot split ${dataset.name}@${dataset.hash.slice(0, 12)} (${records.length} records): ${(e as Error).message.replace(/^split: /, '')}` }], opts.locate);
  }
  const testRecords = others.test?.records ?? records;
  const byId = new Map(records.map((r) => [r.id, r]));
  // Template overlap only (cheap); the stored split's leakage report also counts near duplicates.
  const templateOf = new Map(records.map((r) => [r.id, logTemplateId(r.log)]));
  const testTemplateOf = others.test ? new Map(testRecords.map((r) => [r.id, logTemplateId(r.log)])) : templateOf;
  const folds = manifest.folds.map((f) => {
    const trained = new Set(f.trainIds.map((id) => templateOf.get(id)));
    return { index: f.index, train: f.trainIds.length, test: f.testIds.length, sharedTemplate: f.testIds.filter((id) => trained.has(testTemplateOf.get(id))).length };
  });

  let testSet: EvalSetOverlap | undefined;
  const testIndex = refs.findIndex((d) => d.role === 'test');
  if (testIndex >= 0) {
    const row = refRows[testIndex]!;
    const trained = manifest.folds[0]!.trainIds.map((id) => byId.get(id)!);
    const overlap = evalSetOverlap(trained, testRecords);
    testSet = { ref: refs[testIndex]!.ref, name: row.name, hash: row.hash, records: testRecords.length, ...overlap };
    const where = `evaluation.testOn (${row.name}@${row.hash.slice(0, 12)}, ${testRecords.length} records)`;
    if (overlap.exactDuplicates === testRecords.length) {
      problems.push({ path: ['evaluation', 'testOn'], message: `every one of its ${testRecords.length} records is already in the training data ${dataset.name}@${dataset.hash.slice(0, 12)}: its score would measure memory, not generalization` });
    } else if (overlap.leaked > 0 || overlap.sameIds > 0) {
      warnings.push(`${where} overlaps the training data: ${overlap.sameIds} same ids, ${overlap.exactDuplicates} identical logs, ${overlap.sharedTemplate} sharing a log template, ${overlap.leaked} overlapping in any way (${pctText(overlap.leaked, testRecords.length)}); its score is optimistic by that much`);
    }
  }
  if (problems.length > 0) throw specError(file, problems, opts.locate);

  const sharedTotal = folds.reduce((s, f) => s + f.sharedTemplate, 0);
  const testTotal = folds.reduce((s, f) => s + f.test, 0);
  if (manifest.spec.kind !== 'template-grouped-kfold' && manifest.spec.kind !== 'holdout' && sharedTotal > 0) {
    warnings.push(`${designPath[0]}: ${sharedTotal} of ${testTotal} test records (${pctText(sharedTotal, testTotal)}) share a log template with their fold's training records; template-grouped cv avoids that`);
  }

  const pinned = pinSpec(spec, `${dataset.name}@${dataset.hash}`, pinnedRefs);
  const units = expandUnits(pinned, 'plan', manifest.folds.length);
  const lora = units.filter((u) => u.kind === 'lora');
  const modelUnits = units.filter((u) => u.modes.length > 0);
  return {
    spec: pinned,
    dataset: { ref: trainRef, name: dataset.name, hash: dataset.hash, records: dataset.recordCount, templates: dataset.templateCount },
    split: { kind: manifest.spec.kind, hash: splitHash, folds },
    ...(testSet ? { testSet } : {}),
    units: { lora: lora.length, baseline: units.length - lora.length, total: units.length, configs: expandConfigs(pinned).length, seeds: spec.seeds.length, folds: manifest.folds.length },
    work: {
      // A baselines-only sweep pretrains nothing, whatever baseModel says.
      pretrainSteps: spec.baseModel.kind === 'pretrain' && unitsNeedBaseModel(units) ? spec.baseModel.steps * manifest.folds.length : 0,
      loraTrainingExamples: lora.reduce((s, u) => s + (u.kind === 'lora' ? u.config.epochs : 0) * folds[u.fold]!.train, 0),
      modelClassifications: modelUnits.reduce((s, u) => s + u.modes.length * folds[u.fold]!.test, 0),
    },
    warnings,
  };
}

/** The spec with every dataset reference pinned to its full hash (so a started sweep reads exactly what was planned). */
function pinSpec(spec: SweepSpec, training: string, refs: Map<string, string>): SweepSpec {
  const e = spec.evaluation;
  if (!e || spec.split) return { ...spec, dataset: training };
  if (e.kind === 'holdout') {
    const trainOn = typeof e.trainOn === 'object' ? { ...e.trainOn, dataset: undefined } : undefined;
    const evaluation = { ...e, testOn: refs.get('test')!, ...(trainOn && Object.values(trainOn).some((v) => v !== undefined) ? { trainOn } : { trainOn: undefined }) };
    return { ...spec, dataset: training, evaluation: JSON.parse(JSON.stringify(evaluation)) };
  }
  if (e.kind === 'fixed') {
    return { ...spec, dataset: training, evaluation: { ...e, ...(e.testIdsFrom ? { testIdsFrom: refs.get('testIds')! } : {}), ...(e.trainIdsFrom ? { trainIdsFrom: refs.get('trainIds')! } : {}) } };
  }
  return { ...spec, dataset: training };
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
    ...(plan.testSet ? [`test set    ${short(plan.testSet.name, plan.testSet.hash)} (${plan.testSet.records} records): ${plan.testSet.exactDuplicates} identical to, ${plan.testSet.sharedTemplate} sharing a template with the training data`] : []),
    `units       ${plan.units.total}: ${plan.units.lora} LoRA (${plan.units.configs} configs x ${plan.units.seeds} seed${plan.units.seeds === 1 ? '' : 's'} x ${plan.units.folds} folds) + ${plan.units.baseline} baseline`,
    `work        ${plan.work.pretrainSteps ? `${plan.work.pretrainSteps} pretraining steps; ` : ''}${plan.work.loraTrainingExamples} LoRA training examples (epochs x training records); ${plan.work.modelClassifications} model classifications (records x modes)`,
    ...plan.warnings.map((w) => `warning: ${w}`),
  ];
  return lines.join('\n');
}
