import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  encodeFloat32,
  f16BitsToNumber,
  f32BitsToBf16,
  f32BitsToF16,
  openSafetensors,
  readAllFloat32,
  writeSafetensors,
} from './safetensors.ts';

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures');

let dir: string;
beforeAll(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'st-test-'));
});
afterAll(async () => {
  await fsp.rm(dir, { recursive: true, force: true });
});

function f32Bits(x: number): number {
  return new Uint32Array(new Float32Array([x]).buffer)[0];
}

/** Build a raw safetensors file from a header object and a data section. */
async function rawFile(name: string, header: unknown, data: Uint8Array, opts: { headerLen?: bigint; headerText?: string } = {}) {
  const text = opts.headerText ?? JSON.stringify(header);
  const hb = Buffer.from(text, 'utf8');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(opts.headerLen ?? BigInt(hb.length));
  const p = path.join(dir, name);
  await fsp.writeFile(p, Buffer.concat([len, hb, Buffer.from(data)]));
  return p;
}

describe('safetensors round trip', () => {
  const values = new Float32Array([0, -0, 1, -1, 0.5, 3.14159, -2.75, 1e-3, 65504, 1 / 3, 100.25, -7.5]);
  for (const dtype of ['F32', 'F16', 'BF16'] as const) {
    it(`round-trips ${dtype}`, async () => {
      const p = path.join(dir, `rt-${dtype}.safetensors`);
      await writeSafetensors(p, { 'a.weight': { dtype, shape: [3, 4], data: values }, scalar: { dtype, shape: [], data: new Float32Array([2]) } }, { format: 'pt' });
      const f = await openSafetensors(p);
      expect(f.names().sort()).toEqual(['a.weight', 'scalar']);
      expect(f.info('a.weight')).toMatchObject({ dtype, shape: [3, 4] });
      expect(f.header.metadata).toEqual({ format: 'pt' });
      expect(f.header.headerLength % 8).toBe(0);
      const got = await f.readFloat32('a.weight');
      await f.close();
      const tol = dtype === 'F32' ? 0 : dtype === 'F16' ? 1e-3 : 8e-3;
      for (let i = 0; i < values.length; i++) {
        expect(Math.abs(got[i] - values[i])).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(values[i])));
      }
      if (dtype === 'F32') expect(Array.from(got)).toEqual(Array.from(values));
      // a second round trip is exact (values are already representable)
      const p2 = path.join(dir, `rt2-${dtype}.safetensors`);
      await writeSafetensors(p2, { x: { dtype, shape: [12], data: got } });
      const again = await readAllFloat32(p2);
      expect(Array.from(again.get('x')!.data)).toEqual(Array.from(got));
    });
  }

  it('mixed dtypes are laid out aligned and leave no temp file', async () => {
    const p = path.join(dir, 'mixed.safetensors');
    await writeSafetensors(p, {
      h: { dtype: 'F16', shape: [3], data: new Float32Array([1, 2, 3]) },
      f: { dtype: 'F32', shape: [3], data: new Float32Array([4, 5, 6]) },
      b: { dtype: 'BF16', shape: [1], data: new Float32Array([7]) },
    });
    const f = await openSafetensors(p);
    expect(f.info('f').dataOffsets).toEqual([0, 12]);
    expect(Array.from(await f.readFloat32('h'))).toEqual([1, 2, 3]);
    expect(Array.from(await f.readFloat32('b'))).toEqual([7]);
    await f.close();
    const left = (await fsp.readdir(dir)).filter((n) => n.includes('.tmp-'));
    expect(left).toEqual([]);
  });

  it('writer rejects shape/data mismatch and keeps no partial file', async () => {
    const p = path.join(dir, 'bad-write.safetensors');
    await expect(writeSafetensors(p, { w: { dtype: 'F32', shape: [2, 2], data: new Float32Array(3) } })).rejects.toThrow(/'w'.*needs 4 values but data has 3/);
    await expect(fsp.stat(p)).rejects.toThrow();
  });
});

describe('float conversions', () => {
  it('bf16 rounds to nearest even', () => {
    // 1 + 2^-8 is exactly halfway between bf16 1 and 1+2^-7: ties to even (1)
    expect(f32BitsToBf16(f32Bits(1 + 2 ** -8))).toBe(0x3f80);
    // 1 + 3*2^-8 is halfway between 1+2^-7 (odd) and 1+2^-6: ties to even (1+2^-6)
    expect(f32BitsToBf16(f32Bits(1 + 3 * 2 ** -8))).toBe(0x3f82);
    expect(f32BitsToBf16(f32Bits(1 + 2 ** -8 + 2 ** -20))).toBe(0x3f81);
    expect(f32BitsToBf16(f32Bits(Infinity))).toBe(0x7f80);
    expect(f32BitsToBf16(f32Bits(-Infinity))).toBe(0xff80);
    expect(f32BitsToBf16(f32Bits(NaN))).toBe(0x7fc0);
    // largest finite f32 rounds up to inf in bf16
    expect(f32BitsToBf16(0x7f7fffff)).toBe(0x7f80);
  });

  it('f16 rounds to nearest even, handles subnormals, overflow and NaN', () => {
    expect(f32BitsToF16(f32Bits(1))).toBe(0x3c00);
    expect(f32BitsToF16(f32Bits(1 + 2 ** -11))).toBe(0x3c00); // tie -> even
    expect(f32BitsToF16(f32Bits(1 + 3 * 2 ** -11))).toBe(0x3c02); // tie -> even
    expect(f32BitsToF16(f32Bits(65504))).toBe(0x7bff);
    expect(f32BitsToF16(f32Bits(65520))).toBe(0x7c00); // rounds to inf
    expect(f32BitsToF16(f32Bits(2 ** -24))).toBe(0x0001); // smallest subnormal
    expect(f32BitsToF16(f32Bits(2 ** -25))).toBe(0x0000); // tie -> even (0)
    expect(f32BitsToF16(f32Bits(3 * 2 ** -25))).toBe(0x0002);
    expect(f32BitsToF16(f32Bits(-0))).toBe(0x8000);
    expect(f32BitsToF16(f32Bits(NaN)) & 0x7fff).toBe(0x7e00);
    for (const h of [0x0001, 0x03ff, 0x0400, 0x3c00, 0x7bff, 0xc000, 0x8001]) {
      expect(f32BitsToF16(f32Bits(f16BitsToNumber(h)))).toBe(h);
    }
  });

  it('encodes every f16 bit pattern back to itself', () => {
    const all = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) all[h] = f16BitsToNumber(h);
    const enc = new Uint16Array(encodeFloat32(all, 'F16').buffer);
    for (let h = 0; h < 65536; h++) {
      const isNaN16 = (h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0;
      if (isNaN16) expect(enc[h] & 0x7fff).toBe(0x7e00);
      else if (enc[h] !== h) throw new Error(`f16 ${h.toString(16)} -> ${enc[h].toString(16)}`);
    }
  });
});

describe('safetensors reader validation', () => {
  const ok = { w: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } };
  const data8 = new Uint8Array(8);

  it('accepts a minimal valid file', async () => {
    const p = await rawFile('ok.safetensors', ok, data8);
    const f = await openSafetensors(p);
    expect(Array.from(await f.readFloat32('w'))).toEqual([0, 0]);
    await expect(f.readFloat32('nope')).rejects.toThrow(/no tensor named 'nope'/);
    await f.close();
  });

  it('truncated file', async () => {
    const p = await rawFile('trunc.safetensors', ok, data8.subarray(0, 5));
    await expect(openSafetensors(p)).rejects.toThrow(/trunc\.safetensors.*'w'.*out of bounds/);
    const tiny = path.join(dir, 'tiny.safetensors');
    await fsp.writeFile(tiny, Buffer.from([1, 2, 3]));
    await expect(openSafetensors(tiny)).rejects.toThrow(/tiny\.safetensors.*too small/);
  });

  it('bad header JSON', async () => {
    const p = await rawFile('badjson.safetensors', null, data8, { headerText: '{"w": {"dtype": "F32",' });
    await expect(openSafetensors(p)).rejects.toThrow(/badjson\.safetensors: safetensors header is not valid JSON/);
    const p2 = await rawFile('notobj.safetensors', null, data8, { headerText: '[1, 2, 3]' });
    await expect(openSafetensors(p2)).rejects.toThrow(/notobj\.safetensors.*JSON object/);
  });

  it('header length beyond file / over the cap', async () => {
    const p = await rawFile('hlen.safetensors', ok, data8, { headerLen: 10_000n });
    await expect(openSafetensors(p)).rejects.toThrow(/hlen\.safetensors: header length 10000 runs past the end/);
    const p2 = await rawFile('hcap.safetensors', ok, data8, { headerLen: 1n << 40n });
    await expect(openSafetensors(p2)).rejects.toThrow(/hcap\.safetensors: header length \d+ exceeds/);
  });

  it('out-of-bounds, overlapping, gapped offsets and trailing bytes', async () => {
    const oob = await rawFile('oob.safetensors', { w: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, data8);
    await expect(openSafetensors(oob)).rejects.toThrow(/oob\.safetensors: tensor 'w'.*out of bounds/);
    const overlap = await rawFile(
      'overlap.safetensors',
      { a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } },
      data8,
    );
    await expect(openSafetensors(overlap)).rejects.toThrow(/overlap/);
    const gap = await rawFile('gap.safetensors', { a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, data8);
    await expect(openSafetensors(gap)).rejects.toThrow(/tensor 'a' starts at 4.*gap/);
    const trailing = await rawFile('trail.safetensors', { a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, data8);
    await expect(openSafetensors(trailing)).rejects.toThrow(/trail\.safetensors: file size mismatch.*trailing/);
    const reversed = await rawFile('rev.safetensors', { a: { dtype: 'F32', shape: [0], data_offsets: [8, 0] } }, data8);
    await expect(openSafetensors(reversed)).rejects.toThrow(/'a'.*end before begin/);
  });

  it('shape/size mismatch, bad dtype, bad shape, bad metadata', async () => {
    const mism = await rawFile('mism.safetensors', { w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, data8);
    await expect(openSafetensors(mism)).rejects.toThrow(/mism\.safetensors: tensor 'w': byte size 8 does not match shape \[3\] x F32 \(12 bytes\)/);
    const dt = await rawFile('dt.safetensors', { w: { dtype: 'F17', shape: [2], data_offsets: [0, 8] } }, data8);
    await expect(openSafetensors(dt)).rejects.toThrow(/tensor 'w': unknown dtype "F17"/);
    const sh = await rawFile('sh.safetensors', { w: { dtype: 'F32', shape: [2.5], data_offsets: [0, 8] } }, data8);
    await expect(openSafetensors(sh)).rejects.toThrow(/tensor 'w': shape must be/);
    const md = await rawFile('md.safetensors', { __metadata__: { a: 1 }, ...ok }, data8);
    await expect(openSafetensors(md)).rejects.toThrow(/__metadata__\.a must be a string/);
  });

  it('lists integer dtypes but refuses to convert them', async () => {
    const p = await rawFile('ints.safetensors', { ids: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } }, data8);
    const f = await openSafetensors(p);
    expect(f.info('ids')).toMatchObject({ dtype: 'I64', shape: [1] });
    expect((await f.readBytes('ids')).length).toBe(8);
    await expect(f.readFloat32('ids')).rejects.toThrow(/'ids' has dtype I64/);
    await f.close();
  });
});

describe('compatibility with Python safetensors', () => {
  it('reads the file written by Python identically, and re-encodes F16/BF16 byte for byte', async () => {
    const st = path.join(FIXTURES, 'safetensors/python_dtypes.safetensors');
    const ref = JSON.parse(await fsp.readFile(path.join(FIXTURES, 'safetensors/python_dtypes.json'), 'utf8')) as {
      source: Array<number | string>;
      shape: number[];
      expected: Record<string, Array<number | string>>;
      metadata: Record<string, string>;
    };
    const decode = (v: number | string) => (v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : (v as number));
    const f = await openSafetensors(st);
    expect(f.header.metadata).toEqual(ref.metadata);
    const source = new Float32Array(ref.source.map(decode));
    for (const name of ['f32', 'f16', 'bf16']) {
      expect(f.info(name).shape).toEqual(ref.shape);
      const got = await f.readFloat32(name);
      const want = ref.expected[name].map(decode);
      expect(got.length).toBe(want.length);
      for (let i = 0; i < want.length; i++) {
        if (Number.isNaN(want[i])) expect(Number.isNaN(got[i])).toBe(true);
        else if (!Object.is(got[i], Math.fround(want[i]))) throw new Error(`${name}[${i}]: ${got[i]} != ${want[i]}`);
      }
      // our F32 -> dtype conversion matches torch's byte for byte (NaN payloads aside:
      // torch's vectorised CPU path writes 0xffff for a bf16 NaN, its scalar path 0x7fc0)
      const dtype = f.info(name).dtype as 'F32' | 'F16' | 'BF16';
      const w = dtype === 'F32' ? 4 : 2;
      const ours = encodeFloat32(source, dtype);
      const theirs = await f.readBytes(name);
      expect(ours.length).toBe(theirs.length);
      for (let i = 0; i < source.length; i++) {
        if (Number.isNaN(source[i])) continue;
        const a = Buffer.from(ours.subarray(i * w, (i + 1) * w)).toString('hex');
        const b = Buffer.from(theirs.subarray(i * w, (i + 1) * w)).toString('hex');
        if (a !== b) throw new Error(`${name}[${i}] = ${source[i]}: ours ${a}, torch ${b}`);
      }
    }
    await f.close();
  });
});
