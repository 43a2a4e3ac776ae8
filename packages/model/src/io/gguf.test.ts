import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEQUANTIZABLE, dequantize, ggmlType } from './dequant.ts';
import { GgufError, openGguf } from './gguf.ts';

const FIX = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/gguf');
const QUANT = path.join(FIX, 'quant-types.gguf');

let dir: string;
beforeAll(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'gguf-test-'));
});
afterAll(async () => {
  await fsp.rm(dir, { recursive: true, force: true });
});

describe('GGUF dequantization against gguf-py', () => {
  for (const type of DEQUANTIZABLE) {
    it(`${type} equals gguf-py's dequantize bit for bit`, async () => {
      const f = await openGguf(QUANT);
      try {
        const q = f.tensor(`q.${type}`);
        expect(q.type.name).toBe(type);
        expect(q.shape).toEqual([2, 256]);
        const got = await f.readFloat32(`q.${type}`);
        const want = await f.readFloat32(`ref.${type}`);
        expect(got.length).toBe(512);
        const gotBits = new Uint32Array(got.buffer);
        const wantBits = new Uint32Array(want.buffer);
        let mismatches = 0;
        for (let i = 0; i < got.length; i++) if (gotBits[i] !== wantBits[i] && !(Number.isNaN(got[i]) && Number.isNaN(want[i]))) mismatches++;
        expect(mismatches).toBe(0);
        // not a degenerate fixture
        expect(new Set(got).size).toBeGreaterThan(16);
      } finally {
        await f.close();
      }
    });
  }

  it('rejects a byte count that is not whole blocks, and types it cannot convert', () => {
    expect(() => dequantize(ggmlType(8)!, new Uint8Array(33), 32)).toThrow(/need 34 bytes, got 33/);
    expect(() => dequantize(ggmlType(8)!, new Uint8Array(34), 31)).toThrow(/whole number of Q8_0 blocks/);
    expect(() => dequantize(ggmlType(10)!, new Uint8Array(84), 256)).toThrow(/Q2_K .* cannot be dequantized/);
  });
});

describe('GGUF header', () => {
  it('reads metadata of every value type as gguf-py wrote it', async () => {
    const expected = JSON.parse(await fsp.readFile(path.join(FIX, 'quant-types.json'), 'utf8')) as { metadata: Record<string, unknown> };
    const f = await openGguf(QUANT);
    try {
      expect(f.version).toBe(3);
      expect(f.metadata.get('general.architecture')).toBe('test');
      for (const [k, v] of Object.entries(expected.metadata)) {
        const got = f.metadata.get(k);
        if (k === 'test.u64') expect(got).toBe(BigInt(v as string));
        else expect(got).toEqual(v);
      }
      expect(f.tensors.length).toBe(2 * DEQUANTIZABLE.length);
      for (const t of f.tensors) expect(t.offset % f.alignment).toBe(0);
    } finally {
      await f.close();
    }
  });

  async function corrupt(name: string, edit: (b: Buffer) => Buffer): Promise<string> {
    const p = path.join(dir, name);
    await fsp.writeFile(p, edit(await fsp.readFile(QUANT)));
    return p;
  }

  it('truncated files name the file, the tensor and the byte counts', async () => {
    const p = await corrupt('trunc.gguf', (b) => b.subarray(0, b.length - 100));
    await expect(openGguf(p)).rejects.toThrow(new RegExp(`${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: file truncated: tensor 'ref.Q6_K'.*ends at byte \\d+ but the file has \\d+ bytes`));
    const h = await corrupt('trunc-header.gguf', (b) => b.subarray(0, 200));
    await expect(openGguf(h)).rejects.toThrow(/trunc-header\.gguf: file truncated: metadata .* needs \d+ bytes at offset \d+ but the file has 200 bytes/);
  });

  it('rejects wrong magic, version, corrupt counts and bad UTF-8 with clear errors', async () => {
    const magic = await corrupt('magic.gguf', (b) => Buffer.concat([Buffer.from('GGML'), b.subarray(4)]));
    await expect(openGguf(magic)).rejects.toThrow(/magic.gguf: not a GGUF file/);
    const ver = await corrupt('ver.gguf', (b) => {
      const c = Buffer.from(b);
      c.writeUInt32LE(7, 4);
      return c;
    });
    await expect(openGguf(ver)).rejects.toThrow(/GGUF version 7 is not supported/);
    const count = await corrupt('count.gguf', (b) => {
      const c = Buffer.from(b);
      c.writeBigUInt64LE(1n << 40n, 8);
      return c;
    });
    await expect(openGguf(count)).rejects.toThrow(/tensor count \d+ exceeds/);
    const utf = await corrupt('utf8.gguf', (b) => {
      const c = Buffer.from(b);
      const at = c.indexOf(Buffer.from('general.architecture'));
      c[at] = 0xff;
      return c;
    });
    await expect(openGguf(utf)).rejects.toThrow(/metadata key #0 at offset 24 is not valid UTF-8/);
    await expect(openGguf(path.join(dir, 'missing.gguf'))).rejects.toThrow(GgufError);
  });

  it('rejects a tensor whose type id is unknown or whose offset is misaligned', async () => {
    const firstTensor = (b: Buffer) => b.indexOf(Buffer.from('q.F32')) + 5; // after the name
    const badType = await corrupt('type.gguf', (b) => {
      const c = Buffer.from(b);
      const at = firstTensor(c) + 4 + 2 * 8; // n_dims, 2 dims
      c.writeUInt32LE(99, at);
      return c;
    });
    await expect(openGguf(badType)).rejects.toThrow(/tensor 'q.F32': unknown ggml type 99/);
    const misaligned = await corrupt('align.gguf', (b) => {
      const c = Buffer.from(b);
      const at = firstTensor(c) + 4 + 2 * 8 + 4;
      c.writeBigUInt64LE(c.readBigUInt64LE(at) + 4n, at);
      return c;
    });
    await expect(openGguf(misaligned)).rejects.toThrow(/tensor 'q.F32': data offset \d+ is not aligned to 32/);
  });
});
