import { randomBytes, createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArtifactStore, CorruptObjectError, InvalidKeyError, ObjectNotFoundError } from '@opensoc/storage';
import { testConnections } from './support/services.ts';

const c = testConnections();
const bucket = `storage-test-${Date.now()}`;
let store: ArtifactStore;
const tmp = mkdtempSync(path.join(tmpdir(), 'opensoc-storage-'));
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

beforeAll(async () => {
  store = new ArtifactStore({ endpoint: c.s3Endpoint, region: 'us-east-1', bucket, accessKeyId: c.s3AccessKey, secretAccessKey: c.s3SecretKey, partSizeBytes: 5 * 1024 * 1024 });
  await store.ensureBucket();
  await store.ensureBucket(); // idempotent
});
afterAll(() => store.destroy());

describe('ArtifactStore against the real S3 server', () => {
  it('round-trips bytes and text', async () => {
    const bytes = randomBytes(1000);
    const hash = await store.putBytes('roundtrip/a.bin', bytes);
    expect(hash).toBe(sha(bytes));
    expect(Buffer.from(await store.getBytes('roundtrip/a.bin')).equals(bytes)).toBe(true);
    await store.putBytes('roundtrip/t.txt', new TextEncoder().encode('héllo'));
    expect(await store.getText('roundtrip/t.txt')).toBe('héllo');
    expect(await store.head('roundtrip/a.bin')).toMatchObject({ size: 1000, sha256: hash });
    expect(await store.list('roundtrip/')).toEqual(['roundtrip/a.bin', 'roundtrip/t.txt']);
  });

  it('reports a missing object clearly', async () => {
    await expect(store.getBytes('nope/missing')).rejects.toThrow(ObjectNotFoundError);
    expect(await store.exists('nope/missing')).toBe(false);
  });

  it('uploads a >= 20 MB file in parts by streaming and downloads it intact', async () => {
    const file = path.join(tmp, 'big.bin');
    const big = randomBytes(21 * 1024 * 1024);
    writeFileSync(file, big);
    const { sha256, size } = await store.putFile('big/blob.bin', file);
    expect(size).toBe(big.length);
    expect(sha256).toBe(sha(big));
    const out = path.join(tmp, 'big.out');
    await store.downloadToFile('big/blob.bin', out);
    expect(statSync(out).size).toBe(big.length);
    expect(sha(readFileSync(out))).toBe(sha256);
  });

  it('serves a presigned GET URL over plain HTTP', async () => {
    const bytes = new TextEncoder().encode('presigned content');
    await store.putBytes('presign/x.txt', bytes, 'text/plain');
    const url = await store.presignGet('presign/x.txt', 60);
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('presigned content');
    const tampered = url.replace('presign/x.txt', 'presign/y.txt');
    expect((await fetch(tampered)).status).toBeGreaterThanOrEqual(400);
  });

  it('detects a corrupted object on read (bytes, stream and download)', async () => {
    const good = new TextEncoder().encode('the original bytes');
    await store.putBytes('corrupt/obj', good);
    // Replace the bytes behind our back while keeping the recorded hash, as a bit flip on disk would.
    await store.client.send(new PutObjectCommand({ Bucket: bucket, Key: 'corrupt/obj', Body: new TextEncoder().encode('the 0riginal bytes'), Metadata: { sha256: sha(good) } }));
    await expect(store.getBytes('corrupt/obj')).rejects.toThrow(CorruptObjectError);
    const stream = await store.getStream('corrupt/obj');
    await expect((async () => { for await (const _ of stream) { /* drain */ } })()).rejects.toThrow(CorruptObjectError);
    const out = path.join(tmp, 'corrupt.out');
    await expect(store.downloadToFile('corrupt/obj', out)).rejects.toThrow(CorruptObjectError);
    expect(() => statSync(out)).toThrow(); // nothing half-written
  });

  it('rejects hostile keys before any request', async () => {
    for (const key of ['../etc/passwd', '/abs', 'a/../../b', 'ctl\u0007', 'a//b']) {
      await expect(store.putBytes(key, new Uint8Array([1]))).rejects.toThrow(InvalidKeyError);
      await expect(store.getBytes(key)).rejects.toThrow(InvalidKeyError);
    }
  });

  it('content-addressed puts are idempotent, also when concurrent', async () => {
    const bytes = randomBytes(4096);
    const results = await Promise.all(Array.from({ length: 8 }, () => store.putContentAddressed('cas', bytes, '.bin')));
    const keys = new Set(results.map((r) => r.key));
    expect(keys.size).toBe(1);
    expect([...keys][0]).toBe(`cas/${sha(bytes)}.bin`);
    const again = await store.putContentAddressed('cas', bytes, '.bin');
    expect(again.written).toBe(false);
    expect(await store.list('cas/')).toEqual([`cas/${sha(bytes)}.bin`]);
    expect(Buffer.from(await store.getBytes(again.key)).equals(bytes)).toBe(true);
  });
});
