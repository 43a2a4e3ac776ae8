/**
 * ggml tensor types and their dequantization to float32, bit-for-bit as ggml's reference
 * `dequantize_row_*` (ggml-quants.c) and gguf-py's numpy port: every product and sum is rounded
 * to float32 in the same order (Math.fround), so the result equals gguf-py's exactly.
 *
 * Block layouts (little-endian; d/m/dmin are IEEE half):
 *   Q4_0  32 values, 18 bytes: d, 16 bytes of nibbles (low nibbles = values 0..15, high = 16..31), value (q - 8) * d
 *   Q4_1  32 values, 20 bytes: d, m, 16 bytes of nibbles, value q * d + m
 *   Q5_0  32 values, 22 bytes: d, u32 of 5th bits, 16 bytes of nibbles, value (q - 16) * d
 *   Q5_1  32 values, 24 bytes: d, m, u32 of 5th bits, 16 bytes of nibbles, value q * d + m
 *   Q8_0  32 values, 34 bytes: d, 32 int8, value q * d
 *   Q4_K 256 values, 144 bytes: d, dmin, 12 bytes of 6-bit scales/mins (8 sub-blocks), 128 bytes of nibbles
 *   Q5_K 256 values, 176 bytes: d, dmin, 12 bytes of scales/mins, 32 bytes of 5th bits, 128 bytes of nibbles
 *   Q6_K 256 values, 210 bytes: 128 bytes low nibbles, 64 bytes of 2-bit highs, 16 int8 scales, d
 */
import { bf16BitsToNumber, f16BitsToNumber } from './safetensors.ts';

export interface GgmlTypeInfo {
  readonly name: string;
  readonly id: number;
  /** Values per block. */
  readonly blockSize: number;
  /** Bytes per block. */
  readonly typeSize: number;
}

const T = (name: string, id: number, blockSize: number, typeSize: number): GgmlTypeInfo => ({ name, id, blockSize, typeSize });

/** Every type id of ggml.h's `enum ggml_type` that a GGUF file may hold (removed ids 4, 5 are absent). */
export const GGML_TYPES: readonly GgmlTypeInfo[] = [
  T('F32', 0, 1, 4),
  T('F16', 1, 1, 2),
  T('Q4_0', 2, 32, 18),
  T('Q4_1', 3, 32, 20),
  T('Q5_0', 6, 32, 22),
  T('Q5_1', 7, 32, 24),
  T('Q8_0', 8, 32, 34),
  T('Q8_1', 9, 32, 40),
  T('Q2_K', 10, 256, 84),
  T('Q3_K', 11, 256, 110),
  T('Q4_K', 12, 256, 144),
  T('Q5_K', 13, 256, 176),
  T('Q6_K', 14, 256, 210),
  T('Q8_K', 15, 256, 292),
  T('IQ2_XXS', 16, 256, 66),
  T('IQ2_XS', 17, 256, 74),
  T('IQ3_XXS', 18, 256, 98),
  T('IQ1_S', 19, 256, 50),
  T('IQ4_NL', 20, 32, 18),
  T('IQ3_S', 21, 256, 110),
  T('IQ2_S', 22, 256, 82),
  T('IQ4_XS', 23, 256, 136),
  T('I8', 24, 1, 1),
  T('I16', 25, 1, 2),
  T('I32', 26, 1, 4),
  T('I64', 27, 1, 8),
  T('F64', 28, 1, 8),
  T('IQ1_M', 29, 256, 56),
  T('BF16', 30, 1, 2),
  T('TQ1_0', 34, 256, 54),
  T('TQ2_0', 35, 256, 66),
  T('MXFP4', 39, 32, 17),
  T('NVFP4', 40, 64, 36),
  T('Q1_0', 41, 128, 18),
];

const BY_ID = new Map(GGML_TYPES.map((t) => [t.id, t]));

export function ggmlType(id: number): GgmlTypeInfo | undefined {
  return BY_ID.get(id);
}

/** Types this module converts to float32. */
export const DEQUANTIZABLE = ['F32', 'F16', 'BF16', 'Q4_0', 'Q4_1', 'Q5_0', 'Q5_1', 'Q8_0', 'Q4_K', 'Q5_K', 'Q6_K'] as const;
export type DequantizableType = (typeof DEQUANTIZABLE)[number];

export class DequantError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DequantError';
  }
}

let HALF: Float32Array | null = null;
/** Exact float32 value of every half bit pattern (256 KiB, built once). */
function halfTable(): Float32Array {
  if (!HALF) {
    HALF = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) HALF[h] = f16BitsToNumber(h);
  }
  return HALF;
}

const f = Math.fround;

type Kernel = (src: Uint8Array, dv: DataView, out: Float32Array, nBlocks: number) => void;

function half(dv: DataView, off: number): number {
  return halfTable()[dv.getUint16(off, true)];
}

const KERNELS: Record<DequantizableType, Kernel> = {
  F32(_src, dv, out) {
    for (let i = 0; i < out.length; i++) out[i] = dv.getFloat32(i * 4, true);
  },
  F16(_src, dv, out) {
    const h = halfTable();
    for (let i = 0; i < out.length; i++) out[i] = h[dv.getUint16(i * 2, true)];
  },
  BF16(_src, dv, out) {
    for (let i = 0; i < out.length; i++) out[i] = bf16BitsToNumber(dv.getUint16(i * 2, true));
  },
  Q4_0(src, dv, out, n) {
    for (let b = 0; b < n; b++) {
      const o = b * 18;
      const d = half(dv, o);
      const y = b * 32;
      for (let j = 0; j < 16; j++) {
        const q = src[o + 2 + j];
        out[y + j] = f(((q & 0x0f) - 8) * d);
        out[y + j + 16] = f(((q >> 4) - 8) * d);
      }
    }
  },
  Q4_1(src, dv, out, n) {
    for (let b = 0; b < n; b++) {
      const o = b * 20;
      const d = half(dv, o);
      const m = half(dv, o + 2);
      const y = b * 32;
      for (let j = 0; j < 16; j++) {
        const q = src[o + 4 + j];
        out[y + j] = f(f((q & 0x0f) * d) + m);
        out[y + j + 16] = f(f((q >> 4) * d) + m);
      }
    }
  },
  Q5_0(src, dv, out, n) {
    for (let b = 0; b < n; b++) {
      const o = b * 22;
      const d = half(dv, o);
      const qh = dv.getUint32(o + 2, true);
      const y = b * 32;
      for (let j = 0; j < 16; j++) {
        const q = src[o + 6 + j];
        const h0 = ((qh >>> j) << 4) & 0x10;
        const h1 = (qh >>> (j + 12)) & 0x10;
        out[y + j] = f((((q & 0x0f) | h0) - 16) * d);
        out[y + j + 16] = f((((q >> 4) | h1) - 16) * d);
      }
    }
  },
  Q5_1(src, dv, out, n) {
    for (let b = 0; b < n; b++) {
      const o = b * 24;
      const d = half(dv, o);
      const m = half(dv, o + 2);
      const qh = dv.getUint32(o + 4, true);
      const y = b * 32;
      for (let j = 0; j < 16; j++) {
        const q = src[o + 8 + j];
        const h0 = ((qh >>> j) << 4) & 0x10;
        const h1 = (qh >>> (j + 12)) & 0x10;
        out[y + j] = f(f(((q & 0x0f) | h0) * d) + m);
        out[y + j + 16] = f(f(((q >> 4) | h1) * d) + m);
      }
    }
  },
  Q8_0(_src, dv, out, n) {
    for (let b = 0; b < n; b++) {
      const o = b * 34;
      const d = half(dv, o);
      const y = b * 32;
      for (let j = 0; j < 32; j++) out[y + j] = f(dv.getInt8(o + 2 + j) * d);
    }
  },
  Q4_K(src, dv, out, n) {
    kQuant(src, dv, out, n, 144, false);
  },
  Q5_K(src, dv, out, n) {
    kQuant(src, dv, out, n, 176, true);
  },
  Q6_K(src, dv, out, n) {
    for (let b = 0; b < n; b++) {
      const o = b * 210;
      const d = half(dv, o + 208);
      const y0 = b * 256;
      for (let half128 = 0; half128 < 2; half128++) {
        const ql = o + half128 * 64;
        const qh = o + 128 + half128 * 32;
        const scl = o + 192 + half128 * 8;
        const y = y0 + half128 * 128;
        for (let l = 0; l < 32; l++) {
          const is = l >> 4;
          const h = src[qh + l];
          const q1 = ((src[ql + l] & 0x0f) | ((h & 3) << 4)) - 32;
          const q2 = ((src[ql + l + 32] & 0x0f) | (((h >> 2) & 3) << 4)) - 32;
          const q3 = ((src[ql + l] >> 4) | (((h >> 4) & 3) << 4)) - 32;
          const q4 = ((src[ql + l + 32] >> 4) | (((h >> 6) & 3) << 4)) - 32;
          out[y + l] = f(f(d * dv.getInt8(scl + is)) * q1);
          out[y + l + 32] = f(f(d * dv.getInt8(scl + is + 2)) * q2);
          out[y + l + 64] = f(f(d * dv.getInt8(scl + is + 4)) * q3);
          out[y + l + 96] = f(f(d * dv.getInt8(scl + is + 6)) * q4);
        }
      }
    }
  },
};

/**
 * Q4_K and Q5_K: 8 sub-blocks of 32 with 6-bit scales and mins; Q5_K adds a 32-byte plane of
 * 5th bits (bit 2g of byte l for value g*64 + l, bit 2g+1 for value g*64 + 32 + l).
 */
function kQuant(src: Uint8Array, dv: DataView, out: Float32Array, n: number, blockBytes: number, fifthBit: boolean): void {
  const sc = new Uint8Array(8);
  const mn = new Uint8Array(8);
  for (let b = 0; b < n; b++) {
    const o = b * blockBytes;
    const d = half(dv, o);
    const dmin = half(dv, o + 2);
    scaleMinK4(src, o + 4, sc, mn);
    const qh = o + 16;
    const qs = fifthBit ? o + 48 : o + 16;
    const y = b * 256;
    for (let g = 0; g < 4; g++) {
      const d1 = f(d * sc[2 * g]);
      const m1 = f(dmin * mn[2 * g]);
      const d2 = f(d * sc[2 * g + 1]);
      const m2 = f(dmin * mn[2 * g + 1]);
      const u1 = 1 << (2 * g);
      const u2 = 2 << (2 * g);
      for (let l = 0; l < 32; l++) {
        const q = src[qs + g * 32 + l];
        const h = fifthBit ? src[qh + l] : 0;
        out[y + g * 64 + l] = f(f(d1 * ((q & 0x0f) + (h & u1 ? 16 : 0))) - m1);
        out[y + g * 64 + 32 + l] = f(f(d2 * ((q >> 4) + (h & u2 ? 16 : 0))) - m2);
      }
    }
  }
}

/** The 6-bit scales and mins of the 8 sub-blocks of a Q4_K/Q5_K block (ggml's get_scale_min_k4). */
function scaleMinK4(src: Uint8Array, o: number, sc: Uint8Array, mn: Uint8Array): void {
  for (let j = 0; j < 8; j++) {
    if (j < 4) {
      sc[j] = src[o + j] & 63;
      mn[j] = src[o + j + 4] & 63;
    } else {
      sc[j] = (src[o + j + 4] & 0x0f) | ((src[o + j - 4] >> 6) << 4);
      mn[j] = (src[o + j + 4] >> 4) | ((src[o + j] >> 6) << 4);
    }
  }
}

export function isDequantizable(name: string): name is DequantizableType {
  return (DEQUANTIZABLE as readonly string[]).includes(name);
}

/** Bytes `numel` values of `type` occupy; throws when numel is not a whole number of blocks. */
export function ggmlByteSize(type: GgmlTypeInfo, numel: number): number {
  if (numel % type.blockSize !== 0) throw new DequantError(`${numel} values are not a whole number of ${type.name} blocks of ${type.blockSize}`);
  return (numel / type.blockSize) * type.typeSize;
}

/**
 * Dequantize `numel` values of `type` from `src` into `out` (a fresh Float32Array when omitted).
 * `src` must hold exactly the bytes of those values.
 */
export function dequantize(type: GgmlTypeInfo, src: Uint8Array, numel: number, out?: Float32Array): Float32Array {
  if (!isDequantizable(type.name)) {
    throw new DequantError(`ggml type ${type.name} (${type.id}) cannot be dequantized here; supported: ${DEQUANTIZABLE.join(', ')}`);
  }
  const bytes = ggmlByteSize(type, numel);
  if (src.byteLength !== bytes) throw new DequantError(`${type.name}: ${numel} values need ${bytes} bytes, got ${src.byteLength}`);
  const dst = out ?? new Float32Array(numel);
  if (dst.length !== numel) throw new DequantError(`${type.name}: output holds ${dst.length} values, expected ${numel}`);
  const dv = new DataView(src.buffer, src.byteOffset, src.byteLength);
  KERNELS[type.name](src, dv, dst, numel / type.blockSize);
  return dst;
}
