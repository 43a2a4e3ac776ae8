import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { PassThrough, Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  CreateBucketCommand, DeleteObjectCommand, GetObjectCommand, HeadBucketCommand, HeadObjectCommand,
  ListObjectsV2Command, NotFound, PutObjectCommand, S3Client, S3ServiceException,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { validateKey } from './keys.ts';

// The SDK warns on every Node below 22 that its releases after January 2027 will need 22. Node 22
// cannot be installed here through a registry (Debian 12 ships 18, the NodeSource repo pins 20) and
// every dependency runs on 20.19+, so that one warning is switched off, with the SDK's own switch,
// in the one module that creates S3 clients. Upgrading Node removes the need.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export interface ArtifactStoreOptions {
  endpoint?: string;
  region: string;
  bucket: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  /** Objects above this size go up in parts of this size (S3's minimum part is 5 MiB). */
  partSizeBytes?: number;
}

/** An object whose bytes do not match the sha256 recorded when it was written. */
export class CorruptObjectError extends Error {}
export class ObjectNotFoundError extends Error {}

const SHA_META = 'sha256';
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

export interface ObjectInfo { key: string; size: number; sha256: string | undefined }

/**
 * The S3 artifact store. Every object carries its sha256 in user metadata and
 * every read verifies it, so a corrupted object is an error, never silent data.
 */
export class ArtifactStore {
  readonly bucket: string;
  readonly client: S3Client;
  private readonly partSize: number;

  constructor(opts: ArtifactStoreOptions) {
    this.bucket = opts.bucket;
    this.partSize = opts.partSizeBytes ?? 8 * 1024 * 1024;
    this.client = new S3Client({
      endpoint: opts.endpoint,
      region: opts.region,
      forcePathStyle: opts.endpoint !== undefined,
      credentials: opts.accessKeyId && opts.secretAccessKey ? { accessKeyId: opts.accessKeyId, secretAccessKey: opts.secretAccessKey } : undefined,
      // S3-compatible servers differ in their support of the SDK's newer default checksums; we verify sha256 ourselves.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: 5,
    });
  }

  async ensureBucket(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (e) {
      if (!isNotFound(e)) throw e;
      try {
        await this.client.send(new CreateBucketCommand({ Bucket: this.bucket }));
      } catch (err) {
        const name = (err as { name?: string }).name;
        if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists') throw err;
      }
    }
  }

  async head(key: string): Promise<ObjectInfo | null> {
    validateKey(key);
    try {
      const res = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { key, size: res.ContentLength ?? 0, sha256: res.Metadata?.[SHA_META] };
    } catch (e) {
      if (isNotFound(e)) return null;
      throw e;
    }
  }

  async exists(key: string): Promise<boolean> {
    return (await this.head(key)) !== null;
  }

  /** Writes bytes under key (overwrites). Returns the sha256. */
  async putBytes(key: string, bytes: Uint8Array, contentType = 'application/octet-stream'): Promise<string> {
    validateKey(key);
    const hash = sha256(bytes);
    if (bytes.byteLength > this.partSize) {
      await this.upload(key, Readable.from([Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)]), hash, contentType);
    } else {
      await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: bytes, ContentType: contentType, Metadata: { [SHA_META]: hash } }));
    }
    return hash;
  }

  /**
   * Content-addressed put: the key is `${prefix}/${sha256}${suffix}`, and the write is
   * skipped when an intact object is already there (so retries and concurrent puts are no-ops).
   */
  async putContentAddressed(prefix: string, bytes: Uint8Array, suffix = '', contentType?: string): Promise<{ key: string; sha256: string; written: boolean }> {
    const hash = sha256(bytes);
    const key = validateKey(`${prefix}/${hash}${suffix}`);
    const present = await this.head(key);
    if (present && present.sha256 === hash && present.size === bytes.byteLength) return { key, sha256: hash, written: false };
    await this.putBytes(key, bytes, contentType);
    return { key, sha256: hash, written: true };
  }

  /** Streams a local file up (multipart when large) without holding it in memory. */
  async putFile(key: string, filePath: string, contentType = 'application/octet-stream'): Promise<{ sha256: string; size: number }> {
    validateKey(key);
    const hash = await hashFile(filePath);
    const { size } = await stat(filePath);
    await this.upload(key, createReadStream(filePath), hash, contentType);
    return { sha256: hash, size };
  }

  private async upload(key: string, body: Readable, hash: string, contentType: string): Promise<void> {
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: key, Body: body, ContentType: contentType, Metadata: { [SHA_META]: hash } },
      partSize: this.partSize,
      queueSize: 2,
      leavePartsOnError: false,
    });
    await upload.done();
  }

  /** Reads a whole object into memory, verifying its sha256. For small artifacts only. */
  async getBytes(key: string): Promise<Uint8Array> {
    const { body, expected } = await this.open(key);
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(chunk as Buffer);
    const bytes = Buffer.concat(chunks);
    const actual = sha256(bytes);
    if (expected !== undefined && actual !== expected) throw new CorruptObjectError(`object ${key} is corrupted: sha256 ${actual} does not match the recorded ${expected}`);
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  async getText(key: string): Promise<string> {
    return new TextDecoder('utf-8', { fatal: true }).decode(await this.getBytes(key));
  }

  /**
   * A stream of the object's bytes that fails (with CorruptObjectError) at its end
   * when the sha256 does not match: consumers must not commit what they read before it ends.
   */
  async getStream(key: string): Promise<Readable> {
    const { body, expected } = await this.open(key);
    const hasher = createHash('sha256');
    const verify = new Transform({
      transform(chunk, _enc, cb) { hasher.update(chunk as Buffer); cb(null, chunk); },
      flush(cb) {
        const actual = hasher.digest('hex');
        cb(expected !== undefined && actual !== expected ? new CorruptObjectError(`object ${key} is corrupted: sha256 ${actual} does not match the recorded ${expected}`) : null);
      },
    });
    const out = new PassThrough();
    pipeline(body, verify, out).catch((e) => out.destroy(e as Error));
    return out;
  }

  /** Downloads to a file atomically: a temp file renamed into place only after the hash checks out. */
  async downloadToFile(key: string, filePath: string): Promise<void> {
    const tmp = `${filePath}.${randomUUID()}.partial`;
    try {
      await pipeline(await this.getStream(key), createWriteStream(tmp));
      await rename(tmp, filePath);
    } finally {
      await rm(tmp, { force: true });
    }
  }

  private async open(key: string): Promise<{ body: Readable; expected: string | undefined }> {
    validateKey(key);
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return { body: res.Body as Readable, expected: res.Metadata?.[SHA_META] };
    } catch (e) {
      if (isNotFound(e)) throw new ObjectNotFoundError(`object ${key} not found in bucket ${this.bucket}`);
      throw e;
    }
  }

  async presignGet(key: string, expiresInSeconds = 300): Promise<string> {
    validateKey(key);
    return getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.bucket, Key: key }), { expiresIn: expiresInSeconds });
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const res = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }));
      for (const o of res.Contents ?? []) if (o.Key) keys.push(o.Key);
      token = res.IsTruncated ? res.NextContinuationToken : undefined;
    } while (token);
    return keys;
  }

  async delete(key: string): Promise<void> {
    validateKey(key);
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  destroy(): void {
    this.client.destroy();
  }
}

function isNotFound(e: unknown): boolean {
  if (e instanceof NotFound) return true;
  if (e instanceof S3ServiceException) return e.$metadata.httpStatusCode === 404 || e.name === 'NoSuchKey' || e.name === 'NoSuchBucket';
  return false;
}

export async function hashFile(filePath: string): Promise<string> {
  const hasher = createHash('sha256');
  for await (const chunk of createReadStream(filePath)) hasher.update(chunk as Buffer);
  return hasher.digest('hex');
}
