import { GetObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { afterAll, describe, expect, it } from 'vitest';
import { ArtifactStore } from '@opensoc/storage';
import { makePresign, resolvePathStyle, signingDateFor } from './presign.ts';

const stores: ArtifactStore[] = [];
afterAll(() => { for (const s of stores) s.destroy(); });

describe('presigned artifact links', () => {
  it('are byte-identical to the SDK presigner for path-style endpoints', async () => {
    for (const endpoint of ['http://127.0.0.1:38333', 'https://s3.internal.example', 'http://minio:9000/base']) {
      const store = new ArtifactStore({ endpoint, region: 'eu-west-3', bucket: 'opensoc-artifacts', accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' });
      stores.push(store);
      const presign = makePresign(store, 300);
      expect(await resolvePathStyle(store), 'signs locally, not through the SDK').not.toBeNull();
      for (const key of ['runs/sweep-1.r8-a16.s1/predictions.jsonl', 'runs/a b/(x)!*\'~/ü.bin', 'datasets/corpus/0123.jsonl']) {
        const ours = await presign(key);
        const sdk = await getSignedUrl(store.client, new GetObjectCommand({ Bucket: store.bucket, Key: key }), { expiresIn: 360, signingDate: signingDateFor(Date.now()) });
        expect(ours, `${endpoint} ${key}`).toBe(sdk);
      }
    }
  });

  it('refuses keys the store would refuse', async () => {
    const store = new ArtifactStore({ endpoint: 'http://127.0.0.1:1', region: 'us-east-1', bucket: 'b-b-b', accessKeyId: 'a', secretAccessKey: 'b' });
    stores.push(store);
    expect(await makePresign(store, 60)('../../etc/passwd')).toBeNull();
  });
});
