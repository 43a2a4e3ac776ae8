import { splitManifestSchema, splitSpecSchema, UNKNOWN_LABEL } from '@opensoc/contracts';
import type { DatasetRecord, Fold, SplitManifest } from '@opensoc/contracts';
import { canonicalJson, compareCodeUnits, datasetHash, sha256Hex } from './canonical.ts';
import { Rng } from './prng.ts';
import { logTemplateId } from './template.ts';

type SplitRecord = Pick<DatasetRecord, 'id' | 'log' | 'source' | 'threatCategory'> & { provenance?: Pick<DatasetRecord['provenance'], 'group'> };

export interface MaterializedSplit {
  manifest: SplitManifest;
  /** sha256 over the manifest's canonical JSON: the split's id (S3 key folds/<hash>.json). */
  hash: string;
}

export interface SplitOptions {
  /** The dataset version hash; computed from the records when omitted (they must then be full records). */
  datasetHash?: string;
  /** Group key for template-grouped splits; default the record's provenance group, else its log template id. */
  groupOf?: (record: SplitRecord) => string;
}

export function splitManifestHash(manifest: SplitManifest): string {
  return sha256Hex(canonicalJson(manifest));
}

/** The manifest's canonical JSON: the bytes to store at folds/<hash>.json (DESIGN §7). */
export function splitManifestJson(manifest: SplitManifest): string {
  return canonicalJson(manifest);
}

/** Materializes any split spec (defaults applied by the contract schema) into a hashed manifest. */
/** `specInput` is a SplitSpec or its schema input (e.g. without seed, which defaults to 1). A custom `groupOf` is not part of the spec, but the folds it produces are, so the hash still tells splits apart. */
export function materializeSplit(records: readonly SplitRecord[], specInput: unknown, options: SplitOptions = {}): MaterializedSplit {
  const spec = splitSpecSchema.parse(specInput);
  const ids = records.map((r) => r.id);
  if (new Set(ids).size !== ids.length) throw new Error('split: record ids must be unique');
  let folds: Fold[];
  switch (spec.kind) {
    case 'stratified-kfold':
      folds = stratifiedKFold(records, spec.k, spec.seed);
      break;
    case 'template-grouped-kfold':
      folds = groupedStratifiedKFold(records, spec.k, spec.seed, options.groupOf ?? ((r) => r.provenance?.group ?? logTemplateId(r.log)));
      break;
    case 'leave-sources-out':
      folds = [leaveSourcesOut(records, spec.testSources)];
      break;
    case 'fixed':
      folds = [fixedSplit(records, spec.testIds, spec.trainIds)];
      break;
    case 'random-kfold':
      folds = randomKFold(records, spec.k, spec.seed);
      break;
    case 'source-grouped-kfold':
      folds = groupedStratifiedKFold(records, spec.k, spec.seed, (r) => r.source);
      break;
    case 'holdout':
      throw new Error('split: a holdout split needs the test dataset too; use materializeHoldout');
  }
  const hash = options.datasetHash ?? datasetHash(records as DatasetRecord[]);
  const manifest = splitManifestSchema.parse({ datasetHash: hash, spec, folds });
  return { manifest, hash: splitManifestHash(manifest) };
}

function foldsFromAssignment(records: readonly SplitRecord[], foldOf: Map<string, number>, k: number): Fold[] {
  const folds: Fold[] = [];
  for (let index = 0; index < k; index++) {
    const testIds: string[] = [];
    const trainIds: string[] = [];
    for (const r of records) (foldOf.get(r.id) === index ? testIds : trainIds).push(r.id);
    if (testIds.length === 0) throw new Error(`split: fold ${index} has no test records (k=${k} is too large for this dataset)`);
    folds.push({ index, trainIds: trainIds.sort(compareCodeUnits), testIds: testIds.sort(compareCodeUnits) });
  }
  return folds;
}

/** Stratified k-fold by threatCategory: each category is shuffled and dealt round-robin over the folds. */
export function stratifiedKFold(records: readonly SplitRecord[], k: number, seed: number): Fold[] {
  if (records.length < k) throw new Error(`split: ${records.length} records cannot fill ${k} folds`);
  const rng = new Rng(seed);
  const byCategory = new Map<string, string[]>();
  for (const r of records) {
    const list = byCategory.get(r.threatCategory ?? UNKNOWN_LABEL);
    if (list) list.push(r.id);
    else byCategory.set(r.threatCategory ?? UNKNOWN_LABEL, [r.id]);
  }
  const foldOf = new Map<string, number>();
  // Continue the deal across categories so fold sizes differ by at most one.
  let next = 0;
  for (const category of [...byCategory.keys()].sort(compareCodeUnits)) {
    for (const id of rng.shuffle(byCategory.get(category)!.sort(compareCodeUnits))) foldOf.set(id, next++ % k);
  }
  return foldsFromAssignment(records, foldOf, k);
}

/**
 * Template-grouped stratified k-fold: all records of a group land in the same fold, so no template is
 * on both sides of any fold. Groups are placed largest first (ties in seeded order) into the fold that
 * currently holds the smallest share of the group's categories, which balances category counts.
 */
export function groupedStratifiedKFold(records: readonly SplitRecord[], k: number, seed: number, groupOf: (r: SplitRecord) => string): Fold[] {
  const rng = new Rng(seed);
  const groups = new Map<string, SplitRecord[]>();
  for (const r of records) {
    const g = groupOf(r);
    const list = groups.get(g);
    if (list) list.push(r);
    else groups.set(g, [r]);
  }
  if (groups.size < k) throw new Error(`split: ${groups.size} groups cannot fill ${k} folds`);
  const categoryTotals = new Map<string, number>();
  for (const r of records) categoryTotals.set(r.threatCategory ?? UNKNOWN_LABEL, (categoryTotals.get(r.threatCategory ?? UNKNOWN_LABEL) ?? 0) + 1);

  const order = rng.shuffle([...groups.keys()].sort(compareCodeUnits));
  order.sort((a, b) => groups.get(b)!.length - groups.get(a)!.length); // stable: ties keep seeded order
  const foldCategory = Array.from({ length: k }, () => new Map<string, number>());
  const foldSize = new Array<number>(k).fill(0);
  const foldOf = new Map<string, number>();
  for (const g of order) {
    const members = groups.get(g)!;
    const counts = new Map<string, number>();
    for (const r of members) counts.set(r.threatCategory ?? UNKNOWN_LABEL, (counts.get(r.threatCategory ?? UNKNOWN_LABEL) ?? 0) + 1);
    let best = 0;
    let bestCost = Infinity;
    for (let f = 0; f < k; f++) {
      // Share of each category this fold would hold after taking the group; plus a small size term.
      let cost = 0;
      for (const [c, n] of counts) cost += ((foldCategory[f]!.get(c) ?? 0) + n) / categoryTotals.get(c)!;
      cost += (foldSize[f]! + members.length) / records.length / 1000;
      if (cost < bestCost - 1e-12) {
        bestCost = cost;
        best = f;
      }
    }
    for (const [c, n] of counts) foldCategory[best]!.set(c, (foldCategory[best]!.get(c) ?? 0) + n);
    foldSize[best]! += members.length;
    for (const r of members) foldOf.set(r.id, best);
  }
  return foldsFromAssignment(records, foldOf, k);
}

/** One fold: records from the named sources are the test set. */
export function leaveSourcesOut(records: readonly SplitRecord[], testSources: readonly string[]): Fold {
  const test = new Set(testSources);
  const known = new Set(records.map((r) => r.source));
  const missing = testSources.filter((s) => !known.has(s));
  if (missing.length > 0) throw new Error(`split: no records from source(s) ${missing.join(', ')}`);
  const testIds = records.filter((r) => test.has(r.source)).map((r) => r.id).sort(compareCodeUnits);
  const trainIds = records.filter((r) => !test.has(r.source)).map((r) => r.id).sort(compareCodeUnits);
  if (trainIds.length === 0) throw new Error('split: leaving these sources out leaves nothing to train on');
  return { index: 0, trainIds, testIds };
}

/** Plain k-fold: records shuffled by seed and dealt round-robin, ignoring labels and templates. */
export function randomKFold(records: readonly SplitRecord[], k: number, seed: number): Fold[] {
  if (records.length < k) throw new Error(`split: ${records.length} records cannot fill ${k} folds`);
  const order = new Rng(seed).shuffle(records.map((r) => r.id).sort(compareCodeUnits));
  return foldsFromAssignment(records, new Map(order.map((id, i) => [id, i % k])), k);
}

/**
 * One fold: the listed ids are the test set (e.g. OpenSOC-AI's 450/50), trainIds (default every
 * other record) the training set; unknown ids and ids on both sides are errors.
 */
export function fixedSplit(records: readonly SplitRecord[], testIds: readonly string[], trainIds?: readonly string[]): Fold {
  const known = new Set(records.map((r) => r.id));
  for (const [side, ids] of [['test', testIds], ['train', trainIds ?? []]] as const) {
    const unknown = ids.filter((id) => !known.has(id));
    if (unknown.length > 0) throw new Error(`split: ${unknown.length} ${side} id(s) not in the dataset: ${unknown.slice(0, 10).join(', ')}`);
  }
  const test = new Set(testIds);
  const both = (trainIds ?? []).filter((id) => test.has(id));
  if (both.length > 0) throw new Error(`split: ${both.length} id(s) are in both the train and the test set: ${both.slice(0, 10).join(', ')}`);
  const train = trainIds ? [...new Set(trainIds)] : records.filter((r) => !test.has(r.id)).map((r) => r.id);
  if (train.length === 0) throw new Error('split: every record is in the test set; nothing left to train on');
  return { index: 0, trainIds: train.sort(compareCodeUnits), testIds: [...test].sort(compareCodeUnits) };
}

export interface HoldoutOptions { trainSources?: readonly string[]; excludeTrainSources?: readonly string[]; trainDatasetHash?: string; testDatasetHash?: string; seed?: number }

/**
 * Train on every record of one version (or those of some sources), test on every record of
 * another: one fold whose ids refer to two datasets (datasetHash: train, testDatasetHash: test).
 */
export function materializeHoldout(train: readonly SplitRecord[], test: readonly SplitRecord[], options: HoldoutOptions = {}): MaterializedSplit {
  const include = options.trainSources ? new Set(options.trainSources) : undefined;
  const exclude = new Set(options.excludeTrainSources ?? []);
  const known = new Set(train.map((r) => r.source));
  const missing = [...(options.trainSources ?? []), ...exclude].filter((s) => !known.has(s));
  if (missing.length > 0) throw new Error(`split: the training dataset has no records from source(s) ${missing.join(', ')}`);
  const trainIds = train.filter((r) => (!include || include.has(r.source)) && !exclude.has(r.source)).map((r) => r.id).sort(compareCodeUnits);
  if (trainIds.length === 0) throw new Error('split: the training filter leaves nothing to train on');
  if (test.length === 0) throw new Error('split: the test dataset has no records');
  const trainHash = options.trainDatasetHash ?? datasetHash(train as DatasetRecord[]);
  const testHash = options.testDatasetHash ?? datasetHash(test as DatasetRecord[]);
  const spec = splitSpecSchema.parse({
    kind: 'holdout', testDatasetHash: testHash, seed: options.seed ?? 1,
    ...(options.trainSources ? { trainSources: [...options.trainSources].sort(compareCodeUnits) } : {}),
    ...(options.excludeTrainSources ? { excludeTrainSources: [...options.excludeTrainSources].sort(compareCodeUnits) } : {}),
  });
  const manifest = splitManifestSchema.parse({
    datasetHash: trainHash, testDatasetHash: testHash, spec, folds: [{ index: 0, trainIds, testIds: test.map((r) => r.id).sort(compareCodeUnits) }],
  });
  return { manifest, hash: splitManifestHash(manifest) };
}

/** Per fold: how many test records share a log template with that fold's training records. */
export function splitTemplateLeakage(records: readonly Pick<DatasetRecord, 'id' | 'log'>[], manifest: SplitManifest): { index: number; testRecords: number; sharedTemplate: number }[] {
  const templateOf = new Map(records.map((r) => [r.id, logTemplateId(r.log)] as const));
  return manifest.folds.map((fold) => {
    const train = new Set(fold.trainIds.map((id) => templateOf.get(id)));
    const shared = fold.testIds.filter((id) => train.has(templateOf.get(id))).length;
    return { index: fold.index, testRecords: fold.testIds.length, sharedTemplate: shared };
  });
}
