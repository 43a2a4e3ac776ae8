/**
 * Base models between the platform, S3 and training workers.
 *  - publishBaseModel (orchestration): a catalog or GGUF model is uploaded to S3 once under
 *    `models/gguf/<sha256>.gguf` (content-addressed, so the key is the lineage's model hash);
 *    the sweep's base model key is then `gguf:<that key>`.
 *  - localModelPath (training workers): the key made local: `file:` as is, `gguf:` downloaded
 *    (sha256-verified) into the cache once, HF directories (`s3:` or pipeline `models/<hash>`) too.
 *  - loadModelAt: a local GGUF file or HF directory as a model + tokenizer + prompt settings.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { BaseModelSpec } from '@opensoc/contracts';
import {
  findInstalledModel, iterateCheckpointTensors, LlamaForCausalLM, loadGgufBaseModel, loadLlamaConfig, loadTokenizer, localDirectorySource, pretrainedModel,
  type Tokenizer,
} from '@opensoc/model';
import type { ArtifactStore } from '@opensoc/storage';
import { ensureBackend } from './backend.ts';

export interface LoadedModel {
  model: LlamaForCausalLM;
  tokenizer: Tokenizer;
  /** Local path it was loaded from (a directory or a .gguf file). */
  dir: string;
  chatTemplate: string | null;
  /** Whether prompts start with BOS (GGUF: tokenizer.ggml.add_bos_token; pipeline models: true). */
  addBos: boolean;
}

export const GGUF_KEY_PREFIX = 'models/gguf';

async function fileSha256(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/**
 * The base model key of a spec whose model lives on this host ('pretrained', 'gguf'), after
 * uploading it to S3 if it is not there yet; null for the other kinds.
 */
export async function publishBaseModel(store: ArtifactStore, spec: BaseModelSpec, dataDir = process.env.OPENSOC_DATA_DIR ?? '.opensoc'): Promise<string | null> {
  let file: string;
  let sha: string;
  if (spec.kind === 'pretrained') {
    const entry = pretrainedModel(spec.name);
    const found = await findInstalledModel(spec.name, dataDir);
    const key = `${GGUF_KEY_PREFIX}/${entry.sha256}.gguf`;
    const present = await store.head(key);
    if (present?.sha256 === entry.sha256) return `gguf:${key}`;
    if (!found) throw new Error(`base model '${spec.name}' is not installed under ${path.resolve(dataDir)}/models (run: bash infra/install-model.sh)`);
    file = found;
    sha = entry.sha256;
  } else if (spec.kind === 'gguf') {
    if (!existsSync(spec.path)) throw new Error(`base model GGUF file ${spec.path} does not exist`);
    file = spec.path;
    sha = await fileSha256(file);
  } else return null;
  const key = `${GGUF_KEY_PREFIX}/${sha}.gguf`;
  const present = await store.head(key);
  if (present?.sha256 === sha) return `gguf:${key}`;
  const put = await store.putFile(key, file);
  if (put.sha256 !== sha) throw new Error(`${file}: sha256 ${put.sha256} differs from the expected ${sha} (file changed or corrupt)`);
  return `gguf:${key}`;
}

/** The sha256 a `gguf:` model key names (its content address), or null. */
export function modelKeySha256(key: string): string | null {
  const m = /^gguf:.*\/([0-9a-f]{64})\.gguf$/.exec(key);
  return m ? m[1]! : null;
}

/**
 * Makes a base model key local: `file:<path>` as is; `gguf:<key>` downloaded once into
 * `<cache>/models/sha256/`; `s3:<prefix>` or a pipeline-trained `models/<hash>` prefix downloaded
 * (sha256-verified) into the cache once as a directory.
 */
export async function localModelDir(store: ArtifactStore, key: string, cacheDir: string): Promise<string> {
  if (key.startsWith('file:')) return key.slice(5);
  if (key.startsWith('gguf:')) {
    const objectKey = key.slice(5);
    const sha = modelKeySha256(key) ?? createHash('sha256').update(objectKey).digest('hex');
    const file = path.join(cacheDir, 'models', 'sha256', `${sha}.gguf`);
    if (existsSync(file)) return file;
    mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.partial-${process.pid}`;
    try {
      await store.downloadToFile(objectKey, tmp); // verifies the sha256 recorded at upload
      renameSync(tmp, file);
    } finally {
      rmSync(tmp, { force: true });
    }
    return file;
  }
  const prefix = key.startsWith('s3:') ? key.slice(3) : key;
  const dir = path.join(cacheDir, 'models', createHash('sha256').update(prefix).digest('hex').slice(0, 24));
  if (existsSync(path.join(dir, '.complete'))) return dir;
  const tmp = `${dir}.partial-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const keys = await store.list(`${prefix.replace(/\/$/, '')}/`);
  if (keys.length === 0) throw new Error(`no model files under ${prefix}/`);
  for (const k of keys) await store.downloadToFile(k, path.join(tmp, path.basename(k)));
  writeFileSync(path.join(tmp, '.complete'), '');
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  return dir;
}

/** Load a local GGUF file or HF checkpoint directory. */
export async function loadModelDir(dirOrFile: string, opts: { gpu?: boolean } = {}): Promise<LoadedModel> {
  await ensureBackend(opts);
  if (dirOrFile.endsWith('.gguf')) {
    const g = await loadGgufBaseModel(dirOrFile);
    return { model: g.model, tokenizer: g.tokenizer, dir: dirOrFile, chatTemplate: g.chatTemplate, addBos: g.addBos };
  }
  const source = localDirectorySource(dirOrFile);
  const config = await loadLlamaConfig(source);
  const model = await LlamaForCausalLM.fromHFWeights(config, iterateCheckpointTensors(source));
  const tokenizer = await loadTokenizer(source, 'llama2');
  let chatTemplate: string | null = null;
  if (await source.hasFile('tokenizer_config.json')) {
    const cfg = (await source.readJson('tokenizer_config.json')) as { chat_template?: unknown };
    if (typeof cfg.chat_template === 'string') chatTemplate = cfg.chat_template;
  }
  return { model, tokenizer, dir: dirOrFile, chatTemplate, addBos: true };
}
