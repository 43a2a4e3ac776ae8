/**
 * Base models through the real S3 server: published once under a content address by the
 * orchestration side, fetched (sha256-verified) and cached by training workers.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArtifactStore } from '@opensoc/storage';
import { localModelDir, modelKeySha256, publishBaseModel } from '../apps/worker/src/model-service.ts';
import { testConnections } from './support/services.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const GGUF = path.join(here, '..', 'packages', 'model', 'fixtures', 'gguf', 'quant-types.gguf');
const sha = createHash('sha256').update(readFileSync(GGUF)).digest('hex');
const c = testConnections();
let store: ArtifactStore;
const cache = mkdtempSync(path.join(tmpdir(), 'opensoc-model-cache-'));

beforeAll(async () => {
  store = new ArtifactStore({ endpoint: c.s3Endpoint, region: 'us-east-1', bucket: `base-model-${Date.now()}`, accessKeyId: c.s3AccessKey, secretAccessKey: c.s3SecretKey });
  await store.ensureBucket();
});
afterAll(() => {
  store.destroy();
  rmSync(cache, { recursive: true, force: true });
});

describe('base models in S3', () => {
  it('publishes a GGUF once under its sha256 and workers fetch exactly those bytes', async () => {
    const key = await publishBaseModel(store, { kind: 'gguf', path: GGUF });
    expect(key).toBe(`gguf:models/gguf/${sha}.gguf`);
    expect(modelKeySha256(key!)).toBe(sha);
    const before = await store.head(`models/gguf/${sha}.gguf`);
    expect(before).toMatchObject({ sha256: sha });
    // a second publish finds it and writes nothing
    expect(await publishBaseModel(store, { kind: 'gguf', path: GGUF })).toBe(key);
    const local = await localModelDir(store, key!, cache);
    expect(local).toBe(path.join(cache, 'models', 'sha256', `${sha}.gguf`));
    expect(createHash('sha256').update(readFileSync(local)).digest('hex')).toBe(sha);
    // cached: no second download (works even with the object gone)
    await store.delete(`models/gguf/${sha}.gguf`);
    expect(await localModelDir(store, key!, cache)).toBe(local);
  });

  it('says how to install a catalog model that is missing, and ignores non-file kinds', async () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'opensoc-nodata-'));
    try {
      await expect(publishBaseModel(store, { kind: 'pretrained', name: 'smollm2-135m-instruct' }, empty)).rejects.toThrow(/not installed .*run: bash infra\/install-model\.sh/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
    await expect(publishBaseModel(store, { kind: 'gguf', path: '/nonexistent.gguf' })).rejects.toThrow(/does not exist/);
    expect(await publishBaseModel(store, { kind: 'checkpoint', path: '/x' })).toBeNull();
  });
});
