/**
 * Reader for GGUF files (llama.cpp's model format, versions 2 and 3):
 *
 *   "GGUF" u32 version, u64 tensor_count, u64 kv_count,
 *   kv_count x (string key, u32 value_type, value), tensor_count x (string name, u32 n_dims,
 *   u64 ne[n_dims], u32 ggml_type, u64 offset), padding to `general.alignment` (default 32),
 *   then the tensor data, each tensor at data_start + offset.
 *
 * Strings are u64 length + UTF-8 bytes; arrays are u32 element type + u64 count + elements.
 * The header is read through a buffered cursor (never the whole file) and validated: counts and
 * lengths capped, UTF-8 strict, duplicate keys/names rejected, dims positive, offsets aligned, every
 * tensor inside the file and none overlapping. Tensors are then read one at a time by position.
 * Errors name the file and what is wrong (truncation included).
 */
import { openLocalReader } from './safetensors.ts';
import type { RandomAccessReader } from './safetensors.ts';
import { DequantError, dequantize, ggmlByteSize, ggmlType } from './dequant.ts';
import type { GgmlTypeInfo } from './dequant.ts';

export type GgufValue = number | bigint | boolean | string | GgufValue[];

export interface GgufTensorInfo {
  name: string;
  type: GgmlTypeInfo;
  /** ggml order: ne[0] is the contiguous (innermost) dimension. */
  ne: number[];
  /** Row-major shape (ne reversed), as numpy / torch see it. */
  shape: number[];
  numel: number;
  /** Offset relative to the data section. */
  offset: number;
  byteLength: number;
}

export interface GgufFile {
  readonly label: string;
  readonly version: number;
  readonly metadata: ReadonlyMap<string, GgufValue>;
  /** Tensors in header order. */
  readonly tensors: readonly GgufTensorInfo[];
  readonly alignment: number;
  /** Absolute file offset of the data section. */
  readonly dataStart: number;
  tensor(name: string): GgufTensorInfo;
  has(name: string): boolean;
  readRaw(name: string): Promise<Uint8Array>;
  /**
   * Read one tensor and dequantize it (row-major, `shape`) into `out`, or a fresh Float32Array.
   * Raw bytes of small tensors go through one reused buffer, so loading makes little garbage.
   */
  readFloat32(name: string, out?: Float32Array): Promise<Float32Array>;
  /** Forget metadata values no longer needed (e.g. the vocabulary once a tokenizer holds it), freeing their memory. */
  dropMetadata(keys: readonly string[]): void;
  close(): Promise<void>;
}

export class GgufError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GgufError';
  }
}

export const GGUF_MAGIC = 0x46554747; // "GGUF" little-endian
export const GGUF_DEFAULT_ALIGNMENT = 32;
/** Caps far above any real file, so a corrupt count fails fast instead of allocating. */
const MAX_STRING_BYTES = 256 * 2 ** 20;
const MAX_ARRAY_LENGTH = 64 * 2 ** 20;
const MAX_COUNT = 2 ** 20;
const MAX_DIMS = 4;
const CHUNK = 1 << 20;
/** Tensors up to this many raw bytes are read through one reused buffer. */
const SCRATCH_MAX = 8 << 20;

export const GGUF_VALUE_TYPES = ['UINT8', 'INT8', 'UINT16', 'INT16', 'UINT32', 'INT32', 'FLOAT32', 'BOOL', 'STRING', 'ARRAY', 'UINT64', 'INT64', 'FLOAT64'] as const;
const ARRAY = 9;
const STRING = 8;

/** Sequential reads over a RandomAccessReader with a buffer; knows where it is for error messages. */
class Cursor {
  pos = 0;
  private buf = new Uint8Array(0);
  private bufStart = 0;
  private readonly utf8 = new TextDecoder('utf-8', { fatal: true });
  constructor(
    private readonly reader: RandomAccessReader,
    readonly size: number,
    readonly label: string,
  ) {}

  /** Ensure n bytes at pos are buffered; returns the offset of pos in the buffer. */
  private async need(n: number, what: string): Promise<number> {
    if (this.pos + n > this.size) {
      throw new GgufError(`${this.label}: file truncated: ${what} needs ${n} bytes at offset ${this.pos} but the file has ${this.size} bytes`);
    }
    const at = this.pos - this.bufStart;
    if (at >= 0 && at + n <= this.buf.length) return at;
    const len = Math.min(Math.max(n, CHUNK), this.size - this.pos);
    this.buf = new Uint8Array(len);
    this.bufStart = this.pos;
    try {
      await this.reader.read(this.pos, this.buf);
    } catch (e) {
      throw new GgufError(`${this.label}: reading ${what} at offset ${this.pos}: ${(e as Error).message}`);
    }
    return 0;
  }
  private async view(n: number, what: string): Promise<DataView> {
    const at = await this.need(n, what);
    this.pos += n;
    return new DataView(this.buf.buffer, this.buf.byteOffset + at, n);
  }
  async u32(what: string): Promise<number> {
    return (await this.view(4, what)).getUint32(0, true);
  }
  async u64(what: string): Promise<number> {
    const v = (await this.view(8, what)).getBigUint64(0, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new GgufError(`${this.label}: ${what} at offset ${this.pos - 8} is ${v}, too large`);
    return Number(v);
  }
  async string(what: string): Promise<string> {
    const start = this.pos;
    const n = await this.u64(`${what} length`);
    if (n > MAX_STRING_BYTES) throw new GgufError(`${this.label}: ${what} at offset ${start} claims ${n} bytes (limit ${MAX_STRING_BYTES}); corrupt file?`);
    const at = await this.need(n, what);
    this.pos += n;
    try {
      return this.utf8.decode(this.buf.subarray(at, at + n));
    } catch {
      throw new GgufError(`${this.label}: ${what} at offset ${start} is not valid UTF-8`);
    }
  }
  async scalar(type: number, what: string): Promise<GgufValue> {
    switch (type) {
      case 0: return (await this.view(1, what)).getUint8(0);
      case 1: return (await this.view(1, what)).getInt8(0);
      case 2: return (await this.view(2, what)).getUint16(0, true);
      case 3: return (await this.view(2, what)).getInt16(0, true);
      case 4: return (await this.view(4, what)).getUint32(0, true);
      case 5: return (await this.view(4, what)).getInt32(0, true);
      case 6: return (await this.view(4, what)).getFloat32(0, true);
      case 7: {
        const b = (await this.view(1, what)).getUint8(0);
        if (b > 1) throw new GgufError(`${this.label}: ${what} at offset ${this.pos - 1} is a BOOL with byte ${b} (must be 0 or 1)`);
        return b === 1;
      }
      case STRING: return this.string(what);
      case 10: return safeBig((await this.view(8, what)).getBigUint64(0, true));
      case 11: return safeBig((await this.view(8, what)).getBigInt64(0, true));
      case 12: return (await this.view(8, what)).getFloat64(0, true);
      default:
        throw new GgufError(`${this.label}: ${what} at offset ${this.pos} has unknown value type ${type}`);
    }
  }
  async value(type: number, what: string): Promise<GgufValue> {
    if (type !== ARRAY) return this.scalar(type, what);
    const elemType = await this.u32(`${what} element type`);
    if (elemType === ARRAY) throw new GgufError(`${this.label}: ${what}: nested arrays are not supported`);
    if (elemType >= GGUF_VALUE_TYPES.length) throw new GgufError(`${this.label}: ${what}: unknown array element type ${elemType}`);
    const n = await this.u64(`${what} length`);
    if (n > MAX_ARRAY_LENGTH) throw new GgufError(`${this.label}: ${what} claims ${n} elements (limit ${MAX_ARRAY_LENGTH}); corrupt file?`);
    const out: GgufValue[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = await this.scalar(elemType, `${what}[${i}]`);
    return out;
  }
}

function safeBig(v: bigint): number | bigint {
  return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(v) : v;
}

/** Open a local GGUF file; the header is parsed and validated eagerly. */
export async function openGguf(filePath: string): Promise<GgufFile> {
  let reader: RandomAccessReader;
  try {
    reader = await openLocalReader(filePath);
  } catch (e) {
    throw new GgufError(`${filePath}: cannot open GGUF file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return openGgufFromReader(reader, filePath);
}

export async function openGgufFromReader(reader: RandomAccessReader, label: string): Promise<GgufFile> {
  let parsed: Awaited<ReturnType<typeof readHeader>>;
  try {
    parsed = await readHeader(reader, label);
  } catch (e) {
    await reader.close().catch(() => undefined);
    throw e;
  }
  const { version, metadata, tensors, alignment, dataStart } = parsed;
  const byName = new Map(tensors.map((t) => [t.name, t]));
  let closed = false;
  const tensor = (name: string) => {
    const t = byName.get(name);
    if (!t) throw new GgufError(`${label}: no tensor named '${name}'`);
    return t;
  };
  let scratch = new Uint8Array(0);
  const readRaw = async (name: string, reuse = false) => {
    if (closed) throw new GgufError(`${label}: file already closed`);
    const t = tensor(name);
    if (reuse && t.byteLength <= SCRATCH_MAX && scratch.byteLength < t.byteLength) scratch = new Uint8Array(SCRATCH_MAX);
    const out = reuse && t.byteLength <= SCRATCH_MAX ? scratch.subarray(0, t.byteLength) : new Uint8Array(t.byteLength);
    try {
      await reader.read(dataStart + t.offset, out);
    } catch (e) {
      throw new GgufError(`${label}: reading tensor '${name}': ${(e as Error).message}`);
    }
    return out;
  };
  return {
    label,
    version,
    metadata,
    tensors,
    alignment,
    dataStart,
    tensor,
    has: (name) => byName.has(name),
    readRaw: (name) => readRaw(name),
    dropMetadata(keys) {
      for (const k of keys) metadata.delete(k);
    },
    async readFloat32(name, out) {
      const t = tensor(name);
      const raw = await readRaw(name, true);
      try {
        return dequantize(t.type, raw, t.numel, out);
      } catch (e) {
        if (e instanceof DequantError) throw new GgufError(`${label}: tensor '${name}': ${e.message}`);
        throw e;
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      scratch = new Uint8Array(0);
      await reader.close();
    },
  };
}

async function readHeader(reader: RandomAccessReader, label: string) {
  const size = await reader.size();
  const c = new Cursor(reader, size, label);
  if (size < 24) throw new GgufError(`${label}: file is ${size} bytes, too small for a GGUF header (truncated or not GGUF)`);
  const magic = await c.u32('magic');
  if (magic !== GGUF_MAGIC) throw new GgufError(`${label}: not a GGUF file (magic 0x${magic.toString(16).padStart(8, '0')}, expected "GGUF")`);
  const version = await c.u32('version');
  if (version !== 2 && version !== 3) throw new GgufError(`${label}: GGUF version ${version} is not supported (2 or 3)`);
  const tensorCount = await c.u64('tensor count');
  const kvCount = await c.u64('metadata count');
  if (tensorCount > MAX_COUNT) throw new GgufError(`${label}: tensor count ${tensorCount} exceeds ${MAX_COUNT}; corrupt file?`);
  if (kvCount > MAX_COUNT) throw new GgufError(`${label}: metadata count ${kvCount} exceeds ${MAX_COUNT}; corrupt file?`);

  const metadata = new Map<string, GgufValue>();
  for (let i = 0; i < kvCount; i++) {
    const key = await c.string(`metadata key #${i}`);
    if (metadata.has(key)) throw new GgufError(`${label}: duplicate metadata key '${key}'`);
    const type = await c.u32(`metadata '${key}' type`);
    metadata.set(key, await c.value(type, `metadata '${key}'`));
  }
  let alignment = GGUF_DEFAULT_ALIGNMENT;
  if (metadata.has('general.alignment')) {
    const a = metadata.get('general.alignment');
    if (typeof a !== 'number' || !Number.isInteger(a) || a <= 0 || (a & (a - 1)) !== 0) {
      throw new GgufError(`${label}: metadata 'general.alignment' must be a positive power of two, got ${String(a)}`);
    }
    alignment = a;
  }

  const tensors: GgufTensorInfo[] = [];
  const names = new Set<string>();
  for (let i = 0; i < tensorCount; i++) {
    const name = await c.string(`tensor #${i} name`);
    const where = `${label}: tensor '${name}'`;
    if (names.has(name)) throw new GgufError(`${label}: duplicate tensor name '${name}'`);
    names.add(name);
    const nDims = await c.u32(`tensor '${name}' dimension count`);
    if (nDims < 1 || nDims > MAX_DIMS) throw new GgufError(`${where}: ${nDims} dimensions (must be 1..${MAX_DIMS})`);
    const ne: number[] = [];
    for (let d = 0; d < nDims; d++) ne.push(await c.u64(`tensor '${name}' dimension ${d}`));
    if (ne.some((n) => n <= 0)) throw new GgufError(`${where}: dimensions [${ne.join(', ')}] must all be positive`);
    const typeId = await c.u32(`tensor '${name}' type`);
    const type = ggmlType(typeId);
    if (!type) throw new GgufError(`${where}: unknown ggml type ${typeId}`);
    const offset = await c.u64(`tensor '${name}' offset`);
    let numel = 1;
    for (const n of ne) numel *= n;
    if (!Number.isSafeInteger(numel)) throw new GgufError(`${where}: dimensions [${ne.join(', ')}] have too many elements`);
    if (ne[0] % type.blockSize !== 0) {
      throw new GgufError(`${where}: row length ${ne[0]} is not a multiple of the ${type.name} block size ${type.blockSize}`);
    }
    if (offset % alignment !== 0) throw new GgufError(`${where}: data offset ${offset} is not aligned to ${alignment}`);
    tensors.push({ name, type, ne, shape: [...ne].reverse(), numel, offset, byteLength: ggmlByteSize(type, numel) });
  }
  const dataStart = Math.ceil(c.pos / alignment) * alignment;
  const dataLength = size - dataStart;
  if (dataLength < 0 && tensors.length > 0) throw new GgufError(`${label}: file truncated: header ends at ${c.pos}, no tensor data follows`);
  const sorted = [...tensors].sort((a, b) => a.offset - b.offset);
  let end = 0;
  let prev = '';
  for (const t of sorted) {
    if (t.offset < end) throw new GgufError(`${label}: tensor '${t.name}' data at ${t.offset} overlaps tensor '${prev}' (ends at ${end})`);
    end = t.offset + t.byteLength;
    prev = t.name;
    if (end > dataLength) {
      throw new GgufError(
        `${label}: file truncated: tensor '${t.name}' (${t.type.name} [${t.ne.join(', ')}], ${t.byteLength} bytes at data offset ${t.offset}) ends at byte ${dataStart + end} but the file has ${size} bytes`,
      );
    }
  }
  return { version, metadata, tensors, alignment, dataStart };
}

// ---------------------------------------------------------------------------------------------
// Typed metadata access (errors name the file and key)

export function metaString(file: Pick<GgufFile, 'label' | 'metadata'>, key: string): string;
export function metaString(file: Pick<GgufFile, 'label' | 'metadata'>, key: string, optional: true): string | undefined;
export function metaString(file: Pick<GgufFile, 'label' | 'metadata'>, key: string, optional = false): string | undefined {
  const v = file.metadata.get(key);
  if (v === undefined && optional) return undefined;
  if (typeof v !== 'string') throw new GgufError(`${file.label}: metadata '${key}' must be a string, got ${describe(v)}`);
  return v;
}

export function metaNumber(file: Pick<GgufFile, 'label' | 'metadata'>, key: string): number;
export function metaNumber(file: Pick<GgufFile, 'label' | 'metadata'>, key: string, optional: true): number | undefined;
export function metaNumber(file: Pick<GgufFile, 'label' | 'metadata'>, key: string, optional = false): number | undefined {
  const v = file.metadata.get(key);
  if (v === undefined && optional) return undefined;
  if (typeof v !== 'number') throw new GgufError(`${file.label}: metadata '${key}' must be a number, got ${describe(v)}`);
  return v;
}

export function metaBool(file: Pick<GgufFile, 'label' | 'metadata'>, key: string): boolean | undefined {
  const v = file.metadata.get(key);
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') throw new GgufError(`${file.label}: metadata '${key}' must be a boolean, got ${describe(v)}`);
  return v;
}

export function metaArray<T extends 'string' | 'number'>(file: Pick<GgufFile, 'label' | 'metadata'>, key: string, elem: T): (T extends 'string' ? string : number)[] {
  const v = file.metadata.get(key);
  if (!Array.isArray(v)) throw new GgufError(`${file.label}: metadata '${key}' must be an array of ${elem}s, got ${describe(v)}`);
  for (let i = 0; i < v.length; i++) {
    if (typeof v[i] !== elem) throw new GgufError(`${file.label}: metadata '${key}'[${i}] must be a ${elem}, got ${describe(v[i])}`);
  }
  return v as (T extends 'string' ? string : number)[];
}

function describe(v: GgufValue | undefined): string {
  if (v === undefined) return 'nothing (key missing)';
  if (Array.isArray(v)) return `an array of ${v.length}`;
  return `${typeof v} ${JSON.stringify(typeof v === 'bigint' ? v.toString() : v)}`;
}
