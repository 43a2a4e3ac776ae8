/**
 * Hugging Face model directories: config.json + model.safetensors, or sharded
 * model-0000x-of-0000y.safetensors with model.safetensors.index.json.
 *
 * Files are reached through a small CheckpointSource interface so that the same loader works on a
 * local directory (localDirectorySource) and, later, on object storage (the worker supplies an S3
 * implementation whose openSafetensors wraps ranged reads with openSafetensorsFromReader).
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { llamaTensorShapes, parseLlamaConfig, toHfConfigJson } from './config.ts';
import type { LlamaConfig } from './config.ts';
import { openSafetensors, SafetensorsError, writeSafetensors } from './safetensors.ts';
import type { FloatDtype, SafetensorsDtype, SafetensorsFile, WriteTensor } from './safetensors.ts';

export interface CheckpointSource {
  /** Human-readable location used in error messages (a directory path, an s3:// prefix). */
  readonly description: string;
  readJson(name: string): Promise<unknown>;
  hasFile(name: string): Promise<boolean>;
  openSafetensors(name: string): Promise<SafetensorsFile>;
}

export class CheckpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckpointError';
  }
}

/** CheckpointSource over a local directory. Names are relative paths inside it. */
export function localDirectorySource(dir: string): CheckpointSource {
  const root = path.resolve(dir);
  const resolve = (name: string) => {
    const p = path.resolve(root, name);
    if (p !== root && !p.startsWith(root + path.sep)) throw new CheckpointError(`${root}: file name '${name}' escapes the directory`);
    return p;
  };
  return {
    description: root,
    async readJson(name) {
      const p = resolve(name);
      let text: string;
      try {
        text = await fsp.readFile(p, 'utf8');
      } catch (e) {
        throw new CheckpointError(`${p}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
      }
      try {
        return JSON.parse(text) as unknown;
      } catch (e) {
        throw new CheckpointError(`${p}: invalid JSON (${(e as Error).message})`);
      }
    },
    async hasFile(name) {
      try {
        return (await fsp.stat(resolve(name))).isFile();
      } catch {
        return false;
      }
    },
    async openSafetensors(name) {
      return openSafetensors(resolve(name));
    },
  };
}

export interface CheckpointTensorInfo {
  name: string;
  shape: number[];
  dtype: SafetensorsDtype;
  /** Safetensors file (relative to the source) holding the tensor. */
  file: string;
}

export interface CheckpointTensor {
  name: string;
  shape: number[];
  /** Dtype stored in the file; data is always converted to float32. */
  dtype: SafetensorsDtype;
  data: Float32Array;
}

export interface CheckpointLayout {
  config: LlamaConfig;
  /** Safetensors files in load order. */
  files: string[];
  tensors: CheckpointTensorInfo[];
}

export const SINGLE_FILE = 'model.safetensors';
export const INDEX_FILE = 'model.safetensors.index.json';

export async function loadLlamaConfig(source: CheckpointSource): Promise<LlamaConfig> {
  if (!(await source.hasFile('config.json'))) throw new CheckpointError(`${source.description}: no config.json`);
  return parseLlamaConfig(await source.readJson('config.json'), `${source.description}/config.json`);
}

/** Which safetensors files make up the checkpoint, and the weight map if sharded. */
async function resolveFiles(source: CheckpointSource): Promise<{ files: string[]; weightMap: Map<string, string> | null }> {
  if (await source.hasFile(SINGLE_FILE)) return { files: [SINGLE_FILE], weightMap: null };
  if (!(await source.hasFile(INDEX_FILE))) {
    const bin = (await source.hasFile('pytorch_model.bin')) ? ' (pytorch_model.bin is not supported; convert to safetensors)' : '';
    throw new CheckpointError(`${source.description}: neither ${SINGLE_FILE} nor ${INDEX_FILE} found${bin}`);
  }
  const where = `${source.description}/${INDEX_FILE}`;
  const index = (await source.readJson(INDEX_FILE)) as { weight_map?: unknown } | null;
  const wm = index?.weight_map;
  if (!wm || typeof wm !== 'object' || Array.isArray(wm)) throw new CheckpointError(`${where}: missing 'weight_map' object`);
  const weightMap = new Map<string, string>();
  const files: string[] = [];
  for (const [name, file] of Object.entries(wm as Record<string, unknown>)) {
    if (typeof file !== 'string' || !file.endsWith('.safetensors')) {
      throw new CheckpointError(`${where}: weight_map['${name}'] must name a .safetensors file, got ${JSON.stringify(file)}`);
    }
    weightMap.set(name, file);
    if (!files.includes(file)) files.push(file);
  }
  for (const f of files) {
    if (!(await source.hasFile(f))) throw new CheckpointError(`${where}: shard '${f}' is missing from ${source.description}`);
  }
  files.sort();
  return { files, weightMap };
}

function isIgnorable(name: string, config: LlamaConfig): boolean {
  // Old checkpoints carry rotary buffers; tied checkpoints sometimes still store lm_head.
  return name.endsWith('.rotary_emb.inv_freq') || (config.tieWordEmbeddings && name === 'lm_head.weight');
}

/**
 * Read config and every safetensors header (no tensor data), and check the tensor set against
 * the Llama architecture: missing, unexpected or mis-shaped weights are errors naming the file.
 */
export async function inspectCheckpoint(source: CheckpointSource, opts: { validate?: boolean } = {}): Promise<CheckpointLayout> {
  const config = await loadLlamaConfig(source);
  const { files, weightMap } = await resolveFiles(source);
  const tensors: CheckpointTensorInfo[] = [];
  const seen = new Map<string, string>();
  for (const file of files) {
    const st = await source.openSafetensors(file);
    try {
      for (const name of st.names()) {
        const where = `${source.description}/${file}`;
        const prev = seen.get(name);
        if (prev) throw new CheckpointError(`${where}: tensor '${name}' also appears in ${prev}`);
        seen.set(name, file);
        if (weightMap && weightMap.get(name) !== file) {
          throw new CheckpointError(
            `${where}: tensor '${name}' is not mapped to this shard in ${INDEX_FILE} (maps to ${JSON.stringify(weightMap.get(name) ?? null)})`,
          );
        }
        const info = st.info(name);
        tensors.push({ name, shape: info.shape, dtype: info.dtype, file });
      }
    } finally {
      await st.close();
    }
  }
  if (weightMap) {
    for (const [name, file] of weightMap) {
      if (!seen.has(name)) throw new CheckpointError(`${source.description}/${file}: tensor '${name}' listed in ${INDEX_FILE} is missing`);
    }
  }
  if (opts.validate ?? true) {
    const expected = llamaTensorShapes(config);
    const problems: string[] = [];
    for (const t of tensors) {
      const want = expected.get(t.name);
      if (!want) {
        if (!isIgnorable(t.name, config)) problems.push(`unexpected tensor '${t.name}' in ${t.file}`);
        continue;
      }
      if (want.length !== t.shape.length || want.some((d, i) => d !== t.shape[i])) {
        problems.push(`tensor '${t.name}' in ${t.file} has shape [${t.shape.join(', ')}], config.json implies [${want.join(', ')}]`);
      }
      if (t.dtype !== 'F32' && t.dtype !== 'F16' && t.dtype !== 'BF16') {
        problems.push(`tensor '${t.name}' in ${t.file} has dtype ${t.dtype} (F32, F16 or BF16 expected)`);
      }
    }
    for (const name of expected.keys()) {
      if (!seen.has(name)) problems.push(`missing tensor '${name}'`);
    }
    if (problems.length > 0) {
      const shown = problems.slice(0, 10).join('; ');
      const more = problems.length > 10 ? ` (and ${problems.length - 10} more)` : '';
      throw new CheckpointError(`${source.description}: checkpoint does not match config.json: ${shown}${more}`);
    }
  }
  return { config, files, tensors };
}

/**
 * Yield every weight as float32, one at a time, reading each file by position. The consumer can
 * upload each array to a device tensor and drop it; only one safetensors file is open at a time.
 * Ignorable extras (rotary inv_freq buffers, lm_head of a tied model) are skipped.
 */
export async function* iterateCheckpointTensors(
  source: CheckpointSource,
  opts: { validate?: boolean; filter?: (name: string) => boolean; layout?: CheckpointLayout } = {},
): AsyncGenerator<CheckpointTensor> {
  const layout = opts.layout ?? (await inspectCheckpoint(source, { validate: opts.validate }));
  for (const file of layout.files) {
    const st = await source.openSafetensors(file);
    try {
      for (const t of layout.tensors) {
        if (t.file !== file) continue;
        if (isIgnorable(t.name, layout.config)) continue;
        if (opts.filter && !opts.filter(t.name)) continue;
        const data = await st.readFloat32(t.name);
        yield { name: t.name, shape: t.shape, dtype: t.dtype, data };
      }
    } finally {
      await st.close();
    }
  }
}

/**
 * Load a checkpoint through a callback: `onTensor` is awaited for each weight in turn.
 * Returns the config and the number of tensors delivered.
 */
export async function loadCheckpoint(
  source: CheckpointSource,
  onTensor: (t: CheckpointTensor) => void | Promise<void>,
  opts: { validate?: boolean; filter?: (name: string) => boolean } = {},
): Promise<{ config: LlamaConfig; count: number }> {
  const layout = await inspectCheckpoint(source, opts);
  let count = 0;
  for await (const t of iterateCheckpointTensors(source, { ...opts, layout })) {
    await onTensor(t);
    count++;
  }
  return { config: layout.config, count };
}

/** Convenience for small models and tests: every weight in a Map. */
export async function loadCheckpointTensors(source: CheckpointSource, opts: { validate?: boolean } = {}) {
  const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
  const { config } = await loadCheckpoint(source, (t) => void tensors.set(t.name, { shape: t.shape, data: t.data }), opts);
  return { config, tensors };
}

export type CheckpointWeights =
  | Map<string, { shape: number[]; data: Float32Array }>
  | Record<string, { shape: number[]; data: Float32Array }>;

/**
 * Write config.json + model.safetensors into `dir` (created if needed), in HF layout, so that
 * `LlamaForCausalLM.from_pretrained(dir)` and our loader both read it. Weights are checked
 * against the config first. `dtype` defaults to F32 (BF16 halves the size, rounding to nearest even).
 */
export async function saveCheckpoint(
  dir: string,
  config: LlamaConfig,
  tensors: CheckpointWeights,
  opts: { dtype?: FloatDtype; validate?: boolean; extraFiles?: Record<string, unknown> } = {},
): Promise<void> {
  const dtype = opts.dtype ?? 'F32';
  const entries = tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors);
  if (opts.validate ?? true) {
    const expected = llamaTensorShapes(config);
    const names = new Set(entries.map(([n]) => n));
    for (const [name, t] of entries) {
      const want = expected.get(name);
      if (!want) throw new CheckpointError(`saveCheckpoint(${dir}): unexpected tensor '${name}'`);
      if (want.length !== t.shape.length || want.some((d, i) => d !== t.shape[i])) {
        throw new CheckpointError(`saveCheckpoint(${dir}): tensor '${name}' has shape [${t.shape.join(', ')}], config implies [${want.join(', ')}]`);
      }
    }
    for (const name of expected.keys()) {
      if (!names.has(name)) throw new CheckpointError(`saveCheckpoint(${dir}): missing tensor '${name}'`);
    }
  }
  const torchDtype = dtype === 'F32' ? 'float32' : dtype === 'BF16' ? 'bfloat16' : 'float16';
  const hf = toHfConfigJson(config, { torchDtype });
  const toWrite = new Map<string, WriteTensor>(entries.map(([n, t]) => [n, { dtype, shape: t.shape, data: t.data }]));
  await fsp.mkdir(dir, { recursive: true });
  try {
    await writeSafetensors(path.join(dir, SINGLE_FILE), toWrite, { format: 'pt' });
  } catch (e) {
    if (e instanceof SafetensorsError) throw new CheckpointError(`saveCheckpoint(${dir}): ${e.message}`);
    throw e;
  }
  await writeJsonAtomic(path.join(dir, 'config.json'), hf);
  for (const [name, value] of Object.entries(opts.extraFiles ?? {})) {
    await writeJsonAtomic(path.join(dir, name), value);
  }
}

/** JSON file written via temp file + rename. */
export async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  await fsp.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  await fsp.writeFile(tmp, JSON.stringify(value, null, 2) + '\n', 'utf8');
  await fsp.rename(tmp, file);
}
