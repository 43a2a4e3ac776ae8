import { schemaDoc, type SchemaDoc } from './schema-doc.ts';
import { sweepSpecSchema } from './sweep.ts';

/**
 * What each sweep-spec field means, keyed by field path (see schemaDoc). A field's own
 * `.describe()` in the schema wins over this table; `pnpm docs` lists fields described nowhere.
 */
export const SWEEP_SPEC_DESCRIPTIONS: Readonly<Record<string, string>> = {
  name: 'A short name; the sweep id is derived from it plus a random suffix.',
  dataset: 'The dataset version every design trains on: `NAME` (its latest version), `NAME@latest`, or `NAME@HASH` with a hash prefix of at least 8 hex digits (what `opensoc dataset list` prints). Resolved once when the sweep starts and pinned to the full hash in the sweep\'s lineage. A holdout design may name it in `evaluation.trainOn` instead.',
  evaluation: 'How the sweep is evaluated: one design. Every design materializes folds (holdout and fixed: one fold), so every entry gets the same baselines, intervals, paired tests and leakage report (test records sharing a log template with training records). Give this or the legacy `split`, not both.',
  'evaluation[kind=cv]': 'k-fold cross-validation over `dataset`: each record is predicted exactly once per configuration (out-of-fold), pooled over the folds.',
  'evaluation[kind=holdout]': 'Train on all of one dataset version (or some of its sources) and test on every record of another: the cross-source design. The same baselines train on the same data; the dry run reports how much of the test set overlaps the training data and refuses one entirely contained in it.',
  'evaluation[kind=fixed]': 'One fold of `dataset`: the test set by ids, by the ids of another version (e.g. an imported soc_eval.json: the study\'s 450/50 split), or by source; the rest (or `trainIds`) trains.',
  'evaluation.kind': 'The design.',
  'evaluation.k': 'Number of folds.',
  'evaluation.strategy': 'How records are dealt into folds: `template-grouped` (records sharing a log template stay in one fold: the honest default for templated logs), `stratified` (by threat category), `random`, or `by-source` (each source in one fold).',
  'evaluation.seed': 'Seed of the fold assignment; the same seed and data give the same folds (and the same split hash).',
  'evaluation.trainOn': 'The training data: a dataset reference (then omit `dataset`), or a filter of the training dataset.',
  'evaluation.trainOn.dataset': 'The training dataset, when `dataset` is not given.',
  'evaluation.trainOn.sources': 'Train only on records of these sources.',
  'evaluation.trainOn.excludeSources': 'Train on every record except those of these sources.',
  'evaluation.testOn': 'The dataset version tested on (same reference forms as `dataset`); it must be another version than the training one.',
  'evaluation.testIds': 'Record ids forming the test set; every one must exist in the dataset.',
  'evaluation.testIdsFrom': 'A dataset version whose record ids form the test set (they must exist in `dataset`).',
  'evaluation.testSources': 'Source names (e.g. `sshd`, `apache-access`) whose records form the test set.',
  'evaluation.trainIds': 'Record ids forming the training set (default: every record not in the test set); none may be in the test set.',
  'evaluation.trainIdsFrom': 'A dataset version whose record ids form the training set.',
  split: 'Legacy form of a cv or fixed design, still read (`{kind: template-grouped-kfold, k: 5}` is `evaluation: {kind: cv, k: 5}`, with the same split hash). How records are divided into training and test folds; the leaderboard reports per fold how many test records share a log template with training records.',
  'split[kind=random-kfold]': 'k folds dealt at random, ignoring labels and templates.',
  'split[kind=source-grouped-kfold]': 'k folds with every source in one fold.',
  'split.trainIds': 'Record ids forming the training set (default: every record not in the test set).',
  'split[kind=stratified-kfold]': 'k folds, each threat category spread evenly over them. Templated logs leak: a test log may differ from a training log only in its numbers.',
  'split[kind=template-grouped-kfold]': 'k folds where all records with the same log template (numbers, IPs, hashes and quoted strings masked) stay in one fold, stratified by category as far as the groups allow. The honest default for templated logs.',
  'split[kind=leave-sources-out]': 'One fold: records from the listed sources are the test set, all others train (cross-source generalization).',
  'split[kind=fixed]': 'One fold: the listed record ids are the test set, everything else trains (for example the OpenSOC-AI study\'s 450/50 split).',
  'split.kind': 'The split strategy.',
  'split.k': 'Number of folds.',
  'split.seed': 'Seed of the fold assignment; the same seed and data give the same folds (and the same split hash).',
  'split.testSources': 'Source names (e.g. `sshd`, `apache-access`) whose records form the test set.',
  'split.testIds': 'Record ids forming the test set; every one must exist in the dataset.',
  extraEvalSets: 'Removed: it scored each fold\'s model on another set, and the pooled figure used one fold\'s model. Only an empty list is accepted; to test on another dataset use `evaluation: {kind: holdout, testOn: NAME}`, which trains on all of the training data.',
  baseModel: 'The causal language model LoRA adapts, and that the `base-model` baseline runs untuned.',
  'baseModel[kind=pretrained]': 'A model from the platform\'s catalog (the default: SmolLM2-135M-Instruct, installed by `infra/install-model.sh`). Uploaded to S3 once under its sha256, which the lineage records; training workers fetch it from there.',
  'baseModel[kind=gguf]': 'A llama GGUF file on the host that starts the sweep; uploaded to S3 once under its sha256 like a catalog model.',
  'baseModel.name': 'Catalog name of the pretrained model.',
  'baseModel[kind=checkpoint]': 'A Hugging Face Llama checkpoint directory (`config.json`, `model.safetensors`, `tokenizer.json`) on the training workers\' file system.',
  'baseModel[kind=s3]': 'A checkpoint directory stored in the platform\'s S3 bucket.',
  'baseModel[kind=pretrain]': 'A small Llama trained from scratch by the pipeline on each fold\'s training logs only (no test log is ever seen). For tests and CPU demos: it needs no download.',
  'baseModel.kind': 'Where the base model comes from.',
  'baseModel.path': 'Checkpoint directory path as the training workers see it (kind checkpoint), or the GGUF file path on the orchestrating host (kind gguf).',
  promptFormat: 'How a log becomes a prompt: `opensoc-ai` (the study\'s `### Instruction / ### Input / ### Response`) or `chat` (the model\'s own chat template). The untuned base-model baseline is evaluated in both when the model has a chat template.',
  'baseModel.prefix': 'S3 key prefix of the checkpoint directory.',
  'baseModel.hiddenSize': 'Hidden (embedding) size.',
  'baseModel.layers': 'Number of transformer layers.',
  'baseModel.heads': 'Attention heads.',
  'baseModel.kvHeads': 'Key/value heads (grouped-query attention); must divide `heads`.',
  'baseModel.intermediateSize': 'Width of the SwiGLU MLP.',
  'baseModel.maxSequenceLength': 'Longest sequence in tokens during pretraining.',
  'baseModel.steps': 'Pretraining optimizer steps per fold.',
  'baseModel.learningRate': 'Pretraining learning rate.',
  'baseModel.seed': 'Seed of weight initialisation and batch order.',
  search: 'Which LoRA configurations to train.',
  'search[kind=grid]': 'Every combination of the listed values (the cross product).',
  'search[kind=random]': '`samples` distinct combinations drawn from the space with `seed` (the same seed draws the same ones).',
  'search.kind': 'Grid or random search.',
  'search.grid': 'The values to combine.',
  'search.space': 'The values to draw combinations from.',
  'search.samples': 'Number of configurations to draw (at most the number of distinct combinations).',
  'search.seed': 'Seed of the draw.',
  'search.grid.ranks': 'LoRA ranks r. Empty: no LoRA units at all (a baselines-only sweep).',
  'search.grid.alphas': 'LoRA alphas: a number, or `{timesRank: m}` for alpha = m x r (so `{timesRank: 2}` is the common alpha = 2r).',
  'search.grid.alphas.timesRank': 'Multiplier of the rank.',
  'search.grid.dropout': 'Dropout on the LoRA input during training.',
  'search.grid.targetModules': 'Which projections get adapters (PEFT `target_modules` names).',
  'search.grid.learningRates': 'LoRA learning rates (AdamW).',
  'search.grid.epochs': 'Passes over the fold\'s training records.',
  'search.grid.rsLora': 'Rank-stabilised LoRA: scale by alpha/sqrt(r) instead of alpha/r.',
  'search.grid.layers': 'Which decoder layers get adapters: `all`, or `{top: n}` for the last n layers only (PEFT `layers_to_transform`). With the top layers only, backward stops early and the frozen layers below are computed once per training example and cached, so later epochs cost only the adapted layers.',
  'search.grid.layers.top': 'Number of last layers that get adapters.',
  'search.space.ranks': 'LoRA ranks r to draw from.',
  'search.space.alphas': 'LoRA alphas to draw from: a number, or `{timesRank: m}` for alpha = m x r.',
  'search.space.alphas.timesRank': 'Multiplier of the rank.',
  'search.space.dropout': 'Dropout values to draw from.',
  'search.space.targetModules': 'Which projections get adapters (all drawn configurations share them).',
  'search.space.learningRates': 'Learning rates to draw from.',
  'search.space.epochs': 'Epoch counts to draw from.',
  'search.space.rsLora': 'Rank-stabilised LoRA for every drawn configuration.',
  'search.space.layers': 'Layer choices to draw from: `all`, or `{top: n}`.',
  'search.space.layers.top': 'Number of last layers that get adapters.',
  seeds: 'Training seeds; every LoRA configuration is trained once per seed and fold, so seed variance is measured, not assumed away. Baselines use the first seed.',
  batchSize: 'LoRA training batch size (records per optimizer step).',
  maxSequenceLength: 'Longest prompt plus answer in tokens during LoRA training and classification; longer logs are truncated to fit.',
  modes: 'How a trained model classifies: `label-scoring` (log-likelihood of each candidate answer, no parser), `generate-fuzzy` (generate, then a lenient parser), `generate-strict` (generate, then the study\'s strict parser). Each mode is its own leaderboard entry.',
  labelScoring: 'How `label-scoring` ranks candidate answers: `sum` (summed log-likelihood of the answer tokens; favours short answers), `mean` (per-token mean), or `calibrated` (summed log-likelihood minus the same under a content-free prompt, which removes each answer\'s prior). Applies to LoRA entries and the untuned base model.',
  baselines: 'Baselines trained and evaluated on the same folds: majority class, keyword rules, character n-gram TF-IDF + logistic regression, the untuned base model (`base-model`, in every mode), and SigmaHQ detection rules on parsed events (`sigma-rules`: the ATT&CK tags of the highest-level matching rule; a record no rule matches has no prediction and is scored wrong on every task, benign ones included; its leaderboard rows show coverage, the share of records any rule matched).',
  concurrency: 'Units trained at the same time (each needs a free training worker).',
  taskQueue: 'Temporal task queue of the training workers: `train-cpu`, or `train-gpu` for workers started with `--queue train-gpu`.',
  heartbeatTimeoutSeconds: 'A training worker silent for this long is presumed dead; its unit resumes on another worker from the last checkpoint.',
};

const INTRO = `# Sweep spec reference

<!-- Generated by \`pnpm docs\` from the zod schema in packages/contracts/src/sweep.ts and the
     descriptions in packages/contracts/src/sweep-spec-doc.ts. Do not edit by hand: a test fails
     when this file differs from what the generator writes. -->

A sweep spec (YAML or JSON) says what to run: which dataset version, how to split it, which base
model, which LoRA configurations, which seeds, modes and baselines. Start from a commented example
in [examples/](../examples/) and check a spec without starting anything:

\`\`\`bash
pnpm opensoc sweep start examples/lora-grid.yaml --dry-run   # resolved datasets, split, units, estimated work
pnpm opensoc sweep start my-spec.yaml --wait                  # run it
\`\`\`

Every error is listed before anything starts, each as \`file:line:column: field: problem\`;
unknown datasets and versions are listed with the versions that exist, and evaluation sets that
overlap the training data are reported with counts. Exit codes: 0 ok, 1 failed, 2 invalid spec,
3 spec file or dataset not found.

**Dataset references** (\`dataset\`, \`extraEvalSets\`, and the CLI's \`dataset show\`, \`dataset split\`
and \`leaderboard --dataset\`) take \`NAME\` (the latest version), \`NAME@latest\` or \`NAME@HASH\` with a
hash prefix of at least 8 hex digits. A running sweep pins the version it resolved.

A minimal spec (every other field has a default):

\`\`\`yaml
name: first
dataset: soc-corpus
split: {kind: template-grouped-kfold, k: 5}
baseModel: {kind: pretrain}
search: {kind: grid, grid: {ranks: [8], alphas: [16]}}
\`\`\`

## Fields
`;

/** The whole docs/sweep-spec.md. */
export function sweepSpecReference(): SchemaDoc {
  const doc = schemaDoc(sweepSpecSchema, { descriptions: SWEEP_SPEC_DESCRIPTIONS, rootTitle: 'Top level' });
  return { ...doc, markdown: `${INTRO}\n${doc.markdown}` };
}
