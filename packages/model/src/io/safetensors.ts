/**
 * Reader and writer for the safetensors format
 * (https://github.com/huggingface/safetensors#format):
 *
 *   [u64 little-endian N][N bytes of JSON header, space padded][raw little-endian tensor data]
 *
 * The header maps tensor names to {dtype, shape, data_offsets: [begin, end]} (offsets relative
 * to the start of the data section) plus an optional "__metadata__" object of string -> string.
 *
 * The reader validates the header as strictly as the reference Rust implementation (header size
 * cap, offsets in bounds, tensors contiguous and non-overlapping from 0 to the end of the file,
 * byte size == numel * dtype size) and reads tensors one at a time by position, so a large
 * checkpoint never has to be held in memory as a whole: peak memory is the Float32Arrays handed
 * out plus one bounded chunk of raw bytes.
 *
 * The writer streams tensor by tensor into a temporary file and renames it into place.
 */
import { promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** All dtypes defined by the safetensors spec. */
export const SAFETENSORS_DTYPE_SIZES = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E5M2: 1,
  F8_E4M3: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  F64: 8,
  I64: 8,
  U64: 8,
} as const;

export type SafetensorsDtype = keyof typeof SAFETENSORS_DTYPE_SIZES;
/** Dtypes that can be converted to / written from Float32Array. */
export type FloatDtype = 'F32' | 'F16' | 'BF16';

export interface TensorInfo {
  dtype: SafetensorsDtype;
  shape: number[];
  /** [begin, end) relative to the start of the data section. */
  dataOffsets: [number, number];
}

export interface SafetensorsHeader {
  /** Tensors in file order (sorted by data offset). */
  tensors: Map<string, TensorInfo>;
  metadata: Record<string, string> | null;
  /** Byte length of the JSON header (N). */
  headerLength: number;
  /** Absolute file offset of the data section (8 + N). */
  dataStart: number;
}

/** Positional byte source; a local file, or (later) an S3 object read with range requests. */
export interface RandomAccessReader {
  /** Total size in bytes. */
  size(): Promise<number>;
  /** Fill `into` completely with bytes starting at `position`; must throw on a short read. */
  read(position: number, into: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

export interface SafetensorsFile {
  /** Label used in error messages (usually the path). */
  readonly label: string;
  readonly header: SafetensorsHeader;
  /** Tensor names in file order. */
  names(): string[];
  has(name: string): boolean;
  info(name: string): TensorInfo;
  /** Read one tensor and convert F32/F16/BF16 to a fresh Float32Array. */
  readFloat32(name: string): Promise<Float32Array>;
  /** Raw little-endian bytes of one tensor (any dtype). */
  readBytes(name: string): Promise<Uint8Array>;
  close(): Promise<void>;
}

export class SafetensorsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SafetensorsError';
  }
}

/** Same cap as the reference implementation (safetensors MAX_HEADER_SIZE). */
export const MAX_HEADER_LENGTH = 100_000_000;
/** Raw bytes converted per positional read (bounds the extra memory of a conversion). */
const READ_CHUNK_BYTES = 16 * 1024 * 1024;
const LITTLE_ENDIAN = os.endianness() === 'LE';

function isDtype(x: unknown): x is SafetensorsDtype {
  return typeof x === 'string' && Object.prototype.hasOwnProperty.call(SAFETENSORS_DTYPE_SIZES, x);
}

export function dtypeSize(dtype: SafetensorsDtype): number {
  return SAFETENSORS_DTYPE_SIZES[dtype];
}

/** Product of the shape; throws if it is not a safe integer. */
export function numelOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) {
    n *= d;
    if (!Number.isSafeInteger(n)) throw new SafetensorsError(`shape [${shape.join(', ')}] has too many elements`);
  }
  return n;
}

function isNonNegInt(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

/**
 * Parse and validate a header. `dataLength` is the size of the data section
 * (file size - 8 - N); every byte of it must belong to exactly one tensor.
 */
export function parseSafetensorsHeader(
  headerBytes: Uint8Array,
  dataLength: number,
  label: string,
): Omit<SafetensorsHeader, 'headerLength' | 'dataStart'> {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(headerBytes);
  } catch {
    throw new SafetensorsError(`${label}: safetensors header is not valid UTF-8`);
  }
  if (!text.startsWith('{')) {
    throw new SafetensorsError(`${label}: safetensors header must be a JSON object starting with '{'`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new SafetensorsError(`${label}: safetensors header is not valid JSON (${(e as Error).message})`);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new SafetensorsError(`${label}: safetensors header is not a JSON object`);
  }
  let metadata: Record<string, string> | null = null;
  const entries: Array<[string, TensorInfo]> = [];
  for (const [name, raw] of Object.entries(json as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (raw === null) continue;
      if (typeof raw !== 'object' || Array.isArray(raw)) {
        throw new SafetensorsError(`${label}: __metadata__ must be an object of string values`);
      }
      metadata = {};
      for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
        if (typeof v !== 'string') {
          throw new SafetensorsError(`${label}: __metadata__.${k} must be a string, got ${typeof v}`);
        }
        metadata[k] = v;
      }
      continue;
    }
    const where = `${label}: tensor '${name}'`;
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      throw new SafetensorsError(`${where}: header entry must be an object`);
    }
    const r = raw as Record<string, unknown>;
    if (!isDtype(r.dtype)) {
      throw new SafetensorsError(`${where}: unknown dtype ${JSON.stringify(r.dtype)}`);
    }
    if (!Array.isArray(r.shape) || !r.shape.every(isNonNegInt)) {
      throw new SafetensorsError(`${where}: shape must be an array of non-negative integers, got ${JSON.stringify(r.shape)}`);
    }
    const offs = r.data_offsets;
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every(isNonNegInt)) {
      throw new SafetensorsError(`${where}: data_offsets must be [begin, end] non-negative integers, got ${JSON.stringify(offs)}`);
    }
    const [begin, end] = offs as [number, number];
    if (end < begin) throw new SafetensorsError(`${where}: data_offsets [${begin}, ${end}] end before begin`);
    if (end > dataLength) {
      throw new SafetensorsError(`${where}: data_offsets [${begin}, ${end}] out of bounds (data section is ${dataLength} bytes)`);
    }
    const shape = (r.shape as number[]).slice();
    let numel: number;
    try {
      numel = numelOf(shape);
    } catch (e) {
      throw new SafetensorsError(`${where}: ${(e as Error).message}`);
    }
    const expected = numel * dtypeSize(r.dtype);
    if (end - begin !== expected) {
      throw new SafetensorsError(
        `${where}: byte size ${end - begin} does not match shape [${shape.join(', ')}] x ${r.dtype} (${expected} bytes)`,
      );
    }
    entries.push([name, { dtype: r.dtype, shape, dataOffsets: [begin, end] }]);
  }
  // Contiguity: sorted by offsets, tensors must tile [0, dataLength) exactly.
  entries.sort((a, b) => a[1].dataOffsets[0] - b[1].dataOffsets[0] || a[1].dataOffsets[1] - b[1].dataOffsets[1]);
  let cursor = 0;
  let prevName = '';
  for (const [name, info] of entries) {
    const [begin, end] = info.dataOffsets;
    if (begin < cursor) {
      throw new SafetensorsError(`${label}: tensor '${name}' data [${begin}, ${end}] overlaps tensor '${prevName}' (ends at ${cursor})`);
    }
    if (begin > cursor) {
      throw new SafetensorsError(`${label}: tensor '${name}' starts at ${begin} but the previous tensor ends at ${cursor} (gap in data section)`);
    }
    cursor = end;
    prevName = name;
  }
  if (cursor !== dataLength) {
    throw new SafetensorsError(
      `${label}: file size mismatch: tensors cover ${cursor} bytes of data but the data section is ${dataLength} bytes` +
        (cursor < dataLength ? ' (trailing bytes)' : ''),
    );
  }
  return { tensors: new Map(entries), metadata };
}

/** RandomAccessReader over a local file using positional reads on one file handle. */
export async function openLocalReader(filePath: string): Promise<RandomAccessReader> {
  const fh: FileHandle = await fsp.open(filePath, 'r');
  let closed = false;
  return {
    async size() {
      return (await fh.stat()).size;
    },
    async read(position, into) {
      let done = 0;
      while (done < into.byteLength) {
        const { bytesRead } = await fh.read(into, done, into.byteLength - done, position + done);
        if (bytesRead === 0) {
          throw new SafetensorsError(`${filePath}: unexpected end of file at byte ${position + done} (file truncated?)`);
        }
        done += bytesRead;
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await fh.close();
    },
  };
}

/** Open a local safetensors file (header parsed and validated eagerly). */
export async function openSafetensors(filePath: string): Promise<SafetensorsFile> {
  let reader: RandomAccessReader;
  try {
    reader = await openLocalReader(filePath);
  } catch (e) {
    throw new SafetensorsError(`${filePath}: cannot open safetensors file (${(e as Error).message})`);
  }
  return openSafetensorsFromReader(reader, filePath);
}

export async function openSafetensorsFromReader(reader: RandomAccessReader, label: string): Promise<SafetensorsFile> {
  let header: SafetensorsHeader;
  try {
    header = await readHeader(reader, label);
  } catch (e) {
    await reader.close().catch(() => undefined);
    throw e;
  }
  let closed = false;
  const info = (name: string): TensorInfo => {
    const t = header.tensors.get(name);
    if (!t) throw new SafetensorsError(`${label}: no tensor named '${name}'`);
    return t;
  };
  const checkOpen = () => {
    if (closed) throw new SafetensorsError(`${label}: file already closed`);
  };
  return {
    label,
    header,
    names: () => [...header.tensors.keys()],
    has: (name) => header.tensors.has(name),
    info,
    async readBytes(name) {
      checkOpen();
      const t = info(name);
      const out = new Uint8Array(t.dataOffsets[1] - t.dataOffsets[0]);
      await readAt(reader, header.dataStart + t.dataOffsets[0], out, label, name);
      return out;
    },
    async readFloat32(name) {
      checkOpen();
      const t = info(name);
      return readTensorFloat32(reader, header.dataStart, name, t, label);
    },
    async close() {
      if (closed) return;
      closed = true;
      await reader.close();
    },
  };
}

async function readAt(reader: RandomAccessReader, position: number, into: Uint8Array, label: string, name?: string) {
  try {
    await reader.read(position, into);
  } catch (e) {
    const msg = (e as Error).message;
    throw new SafetensorsError(
      name === undefined || msg.includes(`'${name}'`) ? msg : `${label}: reading tensor '${name}': ${msg}`,
    );
  }
}

async function readHeader(reader: RandomAccessReader, label: string): Promise<SafetensorsHeader> {
  const size = await reader.size();
  if (size < 8) {
    throw new SafetensorsError(`${label}: file is ${size} bytes, too small for a safetensors header (truncated?)`);
  }
  const lenBytes = new Uint8Array(8);
  await readAt(reader, 0, lenBytes, label);
  const n64 = new DataView(lenBytes.buffer).getBigUint64(0, true);
  if (n64 > BigInt(MAX_HEADER_LENGTH)) {
    throw new SafetensorsError(`${label}: header length ${n64} exceeds the ${MAX_HEADER_LENGTH} byte limit (not a safetensors file?)`);
  }
  const n = Number(n64);
  if (n < 2) throw new SafetensorsError(`${label}: header length ${n} is too small`);
  if (8 + n > size) {
    throw new SafetensorsError(`${label}: header length ${n} runs past the end of the ${size} byte file (truncated?)`);
  }
  const headerBytes = new Uint8Array(n);
  await readAt(reader, 8, headerBytes, label);
  const parsed = parseSafetensorsHeader(headerBytes, size - 8 - n, label);
  return { ...parsed, headerLength: n, dataStart: 8 + n };
}

async function readTensorFloat32(
  reader: RandomAccessReader,
  dataStart: number,
  name: string,
  t: TensorInfo,
  label: string,
): Promise<Float32Array> {
  const numel = numelOf(t.shape);
  const out = new Float32Array(numel);
  const start = dataStart + t.dataOffsets[0];
  if (t.dtype === 'F32') {
    // Read straight into the result: no intermediate copy.
    const bytes = new Uint8Array(out.buffer);
    for (let off = 0; off < bytes.byteLength; off += READ_CHUNK_BYTES) {
      await readAt(reader, start + off, bytes.subarray(off, Math.min(bytes.byteLength, off + READ_CHUNK_BYTES)), label, name);
    }
    if (!LITTLE_ENDIAN) swapBytes(bytes, 4);
    return out;
  }
  if (t.dtype !== 'F16' && t.dtype !== 'BF16') {
    throw new SafetensorsError(`${label}: tensor '${name}' has dtype ${t.dtype}; only F32, F16 and BF16 convert to float32`);
  }
  const chunkElems = Math.min(numel, READ_CHUNK_BYTES / 2);
  const raw = new Uint8Array(chunkElems * 2);
  const u16 = new Uint16Array(raw.buffer);
  const outU32 = new Uint32Array(out.buffer);
  for (let e0 = 0; e0 < numel; e0 += chunkElems) {
    const m = Math.min(chunkElems, numel - e0);
    await readAt(reader, start + e0 * 2, raw.subarray(0, m * 2), label, name);
    if (!LITTLE_ENDIAN) swapBytes(raw.subarray(0, m * 2), 2);
    if (t.dtype === 'BF16') {
      for (let i = 0; i < m; i++) outU32[e0 + i] = u16[i] << 16;
    } else {
      const table = f16Table();
      for (let i = 0; i < m; i++) out[e0 + i] = table[u16[i]];
    }
  }
  return out;
}

function swapBytes(bytes: Uint8Array, width: number) {
  for (let i = 0; i + width <= bytes.length; i += width) {
    for (let a = i, b = i + width - 1; a < b; a++, b--) {
      const tmp = bytes[a];
      bytes[a] = bytes[b];
      bytes[b] = tmp;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Conversions

let F16_TABLE: Float32Array | null = null;

/** Exact float32 value of every half-precision bit pattern. */
function f16Table(): Float32Array {
  if (F16_TABLE) return F16_TABLE;
  const table = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) table[h] = f16BitsToNumber(h);
  F16_TABLE = table;
  return table;
}

export function f16BitsToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

export function bf16BitsToNumber(b: number): number {
  const u = new Uint32Array([b << 16]);
  return new Float32Array(u.buffer)[0];
}

/** float32 bits -> bfloat16 bits, round to nearest even; NaN -> 0x7fc0 (as torch's scalar path). */
export function f32BitsToBf16(u: number): number {
  if ((u & 0x7fffffff) > 0x7f800000) return 0x7fc0;
  return ((u + 0x7fff + ((u >>> 16) & 1)) >>> 16) & 0xffff;
}

/** float32 bits -> IEEE half bits, round to nearest even (as numpy's npy_floatbits_to_halfbits). */
export function f32BitsToF16(f: number): number {
  const hSgn = (f >>> 16) & 0x8000;
  const fExp = f & 0x7f800000;
  if (fExp >= 0x47800000) {
    if (fExp === 0x7f800000) {
      const fSig = f & 0x007fffff;
      if (fSig !== 0) return hSgn + 0x7e00; // NaN -> quiet NaN keeping the sign (as torch)
      return hSgn + 0x7c00;
    }
    return hSgn + 0x7c00; // overflow -> inf
  }
  if (fExp <= 0x38000000) {
    if (fExp < 0x33000000) return hSgn; // underflow -> signed zero
    const e = fExp >>> 23;
    let fSig = 0x00800000 + (f & 0x007fffff);
    fSig = fSig >>> (113 - e);
    if ((fSig & 0x3fff) !== 0x1000 || (f & 0x7ff) !== 0) fSig += 0x1000;
    return hSgn + (fSig >>> 13);
  }
  const hExp = (fExp - 0x38000000) >>> 13;
  let fSig = f & 0x007fffff;
  if ((fSig & 0x3fff) !== 0x1000) fSig += 0x1000;
  // A carry out of the significand correctly bumps the exponent (possibly to inf).
  return hSgn + (fSig >>> 13) + hExp;
}

/** Encode float32 values as little-endian bytes of the given dtype. */
export function encodeFloat32(data: Float32Array, dtype: FloatDtype): Uint8Array {
  const u32 = new Uint32Array(data.buffer, data.byteOffset, data.length);
  if (dtype === 'F32') {
    const out = new Uint8Array(data.length * 4);
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    if (!LITTLE_ENDIAN) swapBytes(out, 4);
    return out;
  }
  const out16 = new Uint16Array(data.length);
  if (dtype === 'BF16') {
    for (let i = 0; i < data.length; i++) out16[i] = f32BitsToBf16(u32[i]);
  } else {
    for (let i = 0; i < data.length; i++) out16[i] = f32BitsToF16(u32[i]);
  }
  const out = new Uint8Array(out16.buffer);
  if (!LITTLE_ENDIAN) swapBytes(out, 2);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Writer

export interface WriteTensor {
  dtype: FloatDtype;
  shape: number[];
  data: Float32Array;
}

async function writeAll(fh: FileHandle, bytes: Uint8Array): Promise<void> {
  let done = 0;
  while (done < bytes.byteLength) {
    const { bytesWritten } = await fh.write(bytes, done, bytes.byteLength - done);
    done += bytesWritten;
  }
}

function randomSuffix(): string {
  return `${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/**
 * Write tensors to a safetensors file. Tensors are laid out like Python's safetensors does
 * (by dtype size descending, then name), the header is space-padded to a multiple of 8 bytes,
 * and data is streamed tensor by tensor into `<path>.tmp-*`, fsync'ed and renamed into place.
 */
export async function writeSafetensors(
  filePath: string,
  tensors: Record<string, WriteTensor> | Map<string, WriteTensor>,
  metadata?: Record<string, string> | null,
): Promise<void> {
  const list: Array<[string, WriteTensor]> = tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors);
  for (const [name, t] of list) {
    const where = `${filePath}: tensor '${name}'`;
    if (name === '__metadata__' || name.length === 0) throw new SafetensorsError(`${where}: invalid tensor name`);
    if (t.dtype !== 'F32' && t.dtype !== 'F16' && t.dtype !== 'BF16') {
      throw new SafetensorsError(`${where}: cannot write dtype ${String(t.dtype)} (F32, F16, BF16 only)`);
    }
    if (!Array.isArray(t.shape) || !t.shape.every(isNonNegInt)) {
      throw new SafetensorsError(`${where}: shape must be non-negative integers, got ${JSON.stringify(t.shape)}`);
    }
    if (!(t.data instanceof Float32Array)) throw new SafetensorsError(`${where}: data must be a Float32Array`);
    const numel = numelOf(t.shape);
    if (numel !== t.data.length) {
      throw new SafetensorsError(`${where}: shape [${t.shape.join(', ')}] needs ${numel} values but data has ${t.data.length}`);
    }
  }
  if (metadata) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new SafetensorsError(`${filePath}: metadata '${k}' must be a string`);
    }
  }
  list.sort((a, b) => {
    const d = dtypeSize(b[1].dtype) - dtypeSize(a[1].dtype);
    return d !== 0 ? d : a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
  });
  const headerObj: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) headerObj.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of list) {
    const nbytes = t.data.length * dtypeSize(t.dtype);
    headerObj[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + nbytes] };
    offset += nbytes;
  }
  let headerJson = Buffer.from(JSON.stringify(headerObj), 'utf8');
  const padded = Math.ceil(headerJson.length / 8) * 8;
  if (padded !== headerJson.length) {
    headerJson = Buffer.concat([headerJson, Buffer.alloc(padded - headerJson.length, 0x20)]);
  }
  const lenBuf = Buffer.alloc(8);
  lenBuf.writeBigUInt64LE(BigInt(headerJson.length));

  const dir = path.dirname(filePath);
  await fsp.mkdir(dir, { recursive: true });
  const tmp = `${filePath}.tmp-${randomSuffix()}`;
  const fh = await fsp.open(tmp, 'w');
  try {
    await writeAll(fh, lenBuf);
    await writeAll(fh, headerJson);
    for (const [, t] of list) {
      // Convert in bounded chunks so a large tensor does not need a second full-size buffer.
      const chunk = 4 * 1024 * 1024;
      for (let i = 0; i < t.data.length; i += chunk) {
        const bytes = encodeFloat32(t.data.subarray(i, Math.min(t.data.length, i + chunk)), t.dtype);
        await writeAll(fh, bytes);
      }
    }
    await fh.sync();
    await fh.close();
  } catch (e) {
    await fh.close().catch(() => undefined);
    await fsp.rm(tmp, { force: true }).catch(() => undefined);
    throw e;
  }
  try {
    await fsp.rename(tmp, filePath);
  } catch (e) {
    await fsp.rm(tmp, { force: true }).catch(() => undefined);
    throw e;
  }
}

/** Convenience: read every tensor of a (small) file as float32. */
export async function readAllFloat32(filePath: string): Promise<Map<string, { shape: number[]; dtype: SafetensorsDtype; data: Float32Array }>> {
  const f = await openSafetensors(filePath);
  try {
    const out = new Map<string, { shape: number[]; dtype: SafetensorsDtype; data: Float32Array }>();
    for (const name of f.names()) {
      const i = f.info(name);
      out.set(name, { shape: i.shape, dtype: i.dtype, data: await f.readFloat32(name) });
    }
    return out;
  } finally {
    await f.close();
  }
}
