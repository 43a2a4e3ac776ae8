import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Context, CancelledFailure } from '@temporalio/activity';
import type { BaselineUnit, ClassificationMode, DatasetRecord, DatasetRef, LogRendering, LoraUnit, Prediction, SweepContext } from '@opensoc/contracts';
import { canonicalJson, renderRecords } from '@opensoc/datasets';
import { BASELINE_CLASSIFIERS, answerLogs, baselinePrediction, baselineRendering } from '@opensoc/eval';
import {
  backendInfo, LlamaForCausalLM, llama2Tokenizer, loraToPeftTensors, mergeLora, loraFromPeftTensors, loadAdapter, topLayers, saveAdapter, saveCheckpoint, smallLlamaConfig, Trainer,
  type TrainCheckpoint,
} from '@opensoc/model';
import { CV_EVAL_SET, datasetKey, loadDatasetRecords, loadSplit, predictionsKey, writePredictions } from '@opensoc/platform';
import { checkpointKey as checkpointObjectKey, checkpointLossKey, completeMarkerKey, type ArtifactStore } from '@opensoc/storage';
import type { PredictionOutput, PretrainInput, TrainingActivities, UnitOutputs } from '@opensoc/workflows';
import { decodeCheckpoint, encodeCheckpoint } from '../checkpoint-codec.ts';
import { candidatesFrom, ensureBackend, formatterOf, loadModelDir, localModelDir, modelKeySha256, predictRecords, trainingExample, type LoadedModel } from '../model-service.ts';
import { PRETRAINED_MODELS } from '@opensoc/model';

/** base_model_name_or_path for adapters: the Hugging Face id of a catalog model, else the model key. */
function adapterBaseName(key: string): string {
  const sha = modelKeySha256(key);
  const entry = Object.values(PRETRAINED_MODELS).find((e) => e.sha256 === sha);
  return entry ? entry.hfModelId : key;
}

export interface TrainingOptions {
  /** Trainings run at once by this worker (one per device). */
  concurrency?: number;
  /** Optimizer steps between checkpoints saved to S3. */
  checkpointEvery?: number;
  /** Local cache of downloaded base models. */
  cacheDir?: string;
  /** This worker serves the train-gpu queue: compute on @tensorflow/tfjs-node-gpu. */
  gpu?: boolean;
}

interface Heartbeat { step: number; totalSteps: number; loss: number; checkpointKey: string | null; phase: string }

const load = (store: ArtifactStore, ref: DatasetRef) => loadDatasetRecords(store, { objectKey: datasetKey(ref.name, ref.hash) });

/**
 * Records of one fold of the unit's split: training records from the sweep's dataset, test
 * records from the version the split tests on (the same one, or another for a holdout design).
 * Read from S3 by content address only: training workers need Temporal and S3, never the database.
 */
/** A fold's training and test records, as the text the unit's `logRendering` gives every method (prompts and baselines alike). */
async function unitData(store: ArtifactStore, ctx: Pick<SweepContext, 'dataset' | 'testDataset' | 'splitHash'>, fold: number, rendering: LogRendering = 'raw') {
  const records = await load(store, ctx.dataset);
  const manifest = await loadSplit(store, ctx.splitHash);
  const f = manifest.folds[fold];
  if (!f) throw new Error(`split ${ctx.splitHash} has no fold ${fold}`);
  const pick = (byId: Map<string, DatasetRecord>, ids: string[], side: string) => ids.map((id) => {
    const r = byId.get(id);
    if (!r) throw new Error(`split ${ctx.splitHash} fold ${fold}: ${side} record ${id} is not in its dataset`);
    return r;
  });
  const byId = new Map(records.map((r) => [r.id, r]));
  const testById = ctx.testDataset ? new Map((await load(store, ctx.testDataset)).map((r) => [r.id, r])) : byId;
  const train = renderRecords(pick(byId, f.trainIds, 'train'), rendering);
  const evalSets: { name: string; records: DatasetRecord[] }[] = [{ name: CV_EVAL_SET, records: renderRecords(pick(testById, f.testIds, 'test'), rendering) }];
  return { train, evalSets };
}

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

export function createTrainingActivities({ store }: { store: ArtifactStore }, options: TrainingOptions = {}): TrainingActivities {
  const cacheDir = options.cacheDir ?? path.resolve('.opensoc/cache');
  const checkpointEvery = options.checkpointEvery ?? 20;

  /** The previous attempt's last heartbeat, if this is a retry. */
  const lastHeartbeat = () => (Context.current().info.heartbeatDetails as Heartbeat | undefined) ?? null;

  /**
   * Trains step by step with heartbeats (step, loss, checkpoint key) and S3 checkpoints every
   * checkpointEvery steps, resuming from the checkpoint named in the last heartbeat. On
   * cancellation (sweep cancelled, worker shutting down) it checkpoints first, so nothing is lost.
   */
  async function runTraining(prefix: string, makeTrainer: (resume: TrainCheckpoint | undefined) => Trainer, every: number) {
    const ctx = Context.current();
    const previous = lastHeartbeat();
    const resume = previous?.checkpointKey ? decodeCheckpoint(await store.getBytes(previous.checkpointKey)) : undefined;
    const trainer = makeTrainer(resume);
    const lossCurve: { step: number; loss: number }[] = resume ? [...((await lossSoFar(prefix, resume.step)) ?? [])] : [];
    let checkpointKey = previous?.checkpointKey ?? null;
    const save = async () => {
      const c = trainer.checkpoint();
      const key = checkpointObjectKey(prefix, c.step);
      await store.putBytes(key, encodeCheckpoint(c));
      await store.putBytes(checkpointLossKey(prefix, c.step), new TextEncoder().encode(JSON.stringify(lossCurve)));
      checkpointKey = key;
    };
    try {
      while (trainer.step < trainer.totalSteps) {
        const log = trainer.trainStep();
        lossCurve.push({ step: log.step, loss: log.loss });
        if (log.step % every === 0 && log.step < trainer.totalSteps) await save();
        ctx.heartbeat({ step: log.step, totalSteps: log.totalSteps, loss: log.loss, checkpointKey, phase: 'training' } satisfies Heartbeat);
        await new Promise<void>((r) => setImmediate(r));
        if (ctx.cancellationSignal.aborted) {
          await save();
          ctx.heartbeat({ step: log.step, totalSteps: log.totalSteps, loss: log.loss, checkpointKey, phase: 'cancelled' } satisfies Heartbeat);
          throw new CancelledFailure('training cancelled after saving a checkpoint');
        }
      }
    } finally {
      trainer.dispose();
    }
    return { lossCurve, resumedFromStep: resume?.step ?? null };
  }

  /** The loss curve up to a checkpoint, so a resumed run still reports its whole curve. */
  async function lossSoFar(prefix: string, step: number): Promise<{ step: number; loss: number }[] | null> {
    const key = checkpointLossKey(prefix, step);
    return (await store.exists(key)) ? JSON.parse(await store.getText(key)) : null;
  }

  async function uploadDir(dir: string, prefix: string) {
    for (const f of readdirSync(dir)) await store.putFile(`${prefix}/${f}`, path.join(dir, f));
  }

  async function loadBase(ctx: SweepContext, fold: number): Promise<LoadedModel> {
    const key = ctx.baseModelKeys[fold] ?? ctx.baseModelKeys[0];
    if (!key) throw new Error('the sweep has no base model');
    return loadModelDir(await localModelDir(store, key, cacheDir), { gpu: options.gpu });
  }

  async function writeAll(unit: { runId: string; fold: number }, byMode: Map<string, Prediction[]>, evalSet: string): Promise<PredictionOutput[]> {
    const out: PredictionOutput[] = [];
    for (const [mode, preds] of byMode) {
      const w = await writePredictions(store, predictionsKey(unit.runId, unit.fold, mode, evalSet), preds);
      out.push({ mode: mode as PredictionOutput['mode'], evalSet, key: w.key, sha256: w.sha256, count: w.count });
    }
    return out;
  }

  async function evaluateModel(
    m: LoadedModel, ctx: SweepContext,
    unit: { runId: string; fold: number; maxSequenceLength: number; promptFormat?: LoraUnit['promptFormat']; labelScoring?: LoraUnit['labelScoring']; logRendering?: LogRendering },
    modes: ClassificationMode[],
  ): Promise<PredictionOutput[]> {
    const { train, evalSets } = await unitData(store, ctx, unit.fold, unit.logRendering);
    // Category, technique and tactic only among the combinations training records carry: answers
    // stay coherent (as classify's), and scoring tries a handful of candidates instead of all.
    const candidates = candidatesFrom(train, { consistent: true });
    const out: PredictionOutput[] = [];
    for (const set of evalSets) {
      const byMode = await predictRecords(m, set.records, modes, candidates, unit.fold, unit.maxSequenceLength, {
        format: unit.promptFormat, scoring: unit.labelScoring, onProgress: (done) => Context.current().heartbeat({ phase: `evaluating ${set.name}`, done }),
      });
      out.push(...(await writeAll(unit, byMode, set.name)));
    }
    return out;
  }

  return {
    async pretrainBase(input: PretrainInput) {
      if (input.spec.kind !== 'pretrain') throw new Error('pretrainBase needs a pretrain spec');
      const spec = input.spec;
      const { train } = await unitData(store, { dataset: input.dataset, splitHash: input.splitHash }, input.fold, input.logRendering);
      const corpusHash = sha(train.map((r) => r.log).sort().join('\n'));
      const key = `models/${sha(canonicalJson({ corpusHash, spec, tokenizer: 'llama2', maxSequenceLength: input.maxSequenceLength })).slice(0, 32)}`;
      if (await store.exists(completeMarkerKey(key))) return { modelKey: key, cached: true };
      await ensureBackend({ gpu: options.gpu });
      const tokenizer = llama2Tokenizer();
      const config = smallLlamaConfig({
        vocabSize: tokenizer.vocabSize, hiddenSize: spec.hiddenSize, numHiddenLayers: spec.layers, numAttentionHeads: spec.heads, numKeyValueHeads: spec.kvHeads,
        intermediateSize: spec.intermediateSize, maxPositionEmbeddings: Math.max(spec.maxSequenceLength, input.maxSequenceLength), tieWordEmbeddings: true,
        bosTokenId: tokenizer.bosId, eosTokenId: tokenizer.eosId,
      });
      const model = LlamaForCausalLM.random(config, { seed: spec.seed });
      try {
        await runTraining(key, (resume) => new Trainer(model, train.map((r) => ({ text: r.log })), {
          tokenizer, mode: 'full', seed: spec.seed, maxSteps: spec.steps, batchSize: 8, learningRate: spec.learningRate, warmupRatio: 0.05, weightDecay: 0.01,
          maxSeqLen: spec.maxSequenceLength, resumeFrom: resume,
        }), Math.max(checkpointEvery, 50));
        const dir = mkdtempSync(path.join(tmpdir(), 'opensoc-base-'));
        try {
          await saveCheckpoint(dir, config, new Map([...model.hfWeights()].map((w) => [w.name, { shape: w.shape, data: w.data }])));
          await uploadDir(dir, key);
          await store.putBytes(completeMarkerKey(key), new Uint8Array());
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      } finally {
        model.dispose();
      }
      return { modelKey: key, cached: false };
    },

    async trainLora(ctx, unit: LoraUnit) {
      const prefix = `runs/${unit.runId}/f${unit.fold}`;
      const adapterKey = `${prefix}/adapter`;
      const done = await store.exists(completeMarkerKey(adapterKey));
      if (done) {
        const meta = JSON.parse(await store.getText(completeMarkerKey(adapterKey)));
        return { adapterKey, lossCurve: meta.lossCurve, resumedFromStep: null };
      }
      const { train } = await unitData(store, ctx, unit.fold, unit.logRendering);
      const m = await loadBase(ctx, unit.fold);
      try {
        const format = formatterOf(m, unit.promptFormat);
        const examples = train.map((r) => trainingExample(format, r, unit.maxSequenceLength));
        const { lossCurve, resumedFromStep } = await runTraining(prefix, (resume) => new Trainer(m.model, examples, {
          tokenizer: format.tokenizer, mode: 'lora', seed: unit.seed, epochs: unit.config.epochs, batchSize: unit.batchSize, learningRate: unit.config.learningRate,
          warmupRatio: 0.05, weightDecay: 0, maxSeqLen: unit.maxSequenceLength, resumeFrom: resume,
          lora: {
            r: unit.config.rank, alpha: unit.config.alpha, dropout: unit.config.dropout, targetModules: unit.config.targetModules as never, useRslora: unit.config.rsLora,
            ...(unit.config.topLayers === undefined ? {} : { layers: topLayers(m.model.config, unit.config.topLayers) }),
          },
        }), checkpointEvery);
        const dir = mkdtempSync(path.join(tmpdir(), 'opensoc-adapter-'));
        try {
          const settings = m.model.loraSettings!;
          await saveAdapter(dir, {
            r: settings.r, loraAlpha: settings.alpha, loraDropout: settings.dropout, targetModules: [...settings.targetModules], useRslora: settings.useRslora,
            layersToTransform: settings.layers, baseModelNameOrPath: adapterBaseName(ctx.baseModelKeys[unit.fold] ?? ''),
          } as never, loraToPeftTensors(m.model) as never);
          // Lineage of the compute: backend, TensorFlow version, oneDNN and threads (bit-exactness depends on them).
          writeFileSync(path.join(dir, 'compute.json'), JSON.stringify(backendInfo(), null, 2));
          await uploadDir(dir, adapterKey);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
        await store.putBytes(completeMarkerKey(adapterKey), new TextEncoder().encode(JSON.stringify({ lossCurve, compute: backendInfo() })));
        return { adapterKey, lossCurve, resumedFromStep };
      } finally {
        m.model.dispose();
      }
    },

    async evaluateUnit(ctx, unit: LoraUnit, adapterKey: string): Promise<UnitOutputs> {
      const m = await loadBase(ctx, unit.fold);
      const dir = mkdtempSync(path.join(tmpdir(), 'opensoc-eval-'));
      try {
        for (const f of ['adapter_config.json', 'adapter_model.safetensors']) await store.downloadToFile(`${adapterKey}/${f}`, path.join(dir, f));
        const adapter = await loadAdapter(dir, { model: m.model.config });
        loraFromPeftTensors(m.model, adapter.weights as never, { r: adapter.config.r, lora_alpha: adapter.config.loraAlpha, use_rslora: adapter.config.useRslora });
        mergeLora(m.model);
        return { predictions: await evaluateModel(m, ctx, unit, unit.modes), lossCurve: [] };
      } finally {
        rmSync(dir, { recursive: true, force: true });
        m.model.dispose();
      }
    },

    async runBaseline(ctx, unit: BaselineUnit): Promise<UnitOutputs> {
      if (unit.baseline === 'base-model') {
        const m = await loadBase(ctx, unit.fold);
        try {
          return { predictions: await evaluateModel(m, ctx, unit, unit.modes), lossCurve: [] };
        } finally {
          m.model.dispose();
        }
      }
      const { train, evalSets } = await unitData(store, ctx, unit.fold, baselineRendering(unit.baseline, unit.logRendering ?? 'raw'));
      const fitted = BASELINE_CLASSIFIERS[unit.baseline]().fit(train);
      const predictions: PredictionOutput[] = [];
      for (const set of evalSets) {
        const answers = answerLogs(fitted, set.records.map((r) => r.log));
        const preds: Prediction[] = set.records.map((r, i) => baselinePrediction(r.id, unit.fold, answers[i]!));
        predictions.push(...(await writeAll(unit, new Map([['baseline', preds]]), set.name)));
      }
      return { predictions, lossCurve: [] };
    },
  };
}
