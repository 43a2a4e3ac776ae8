import { createHash } from 'node:crypto';
import type { DatasetRecord } from '@opensoc/contracts';

/** Normalizes line endings inside strings so the same log hashes the same on every OS. */
export function normalizeNewlines(s: string): string {
  return s.replace(/\r\n?/g, '\n');
}

/** A deep copy with object keys sorted (code-unit order) and newlines in strings normalized. */
export function canonicalize(value: unknown): unknown {
  if (typeof value === 'string') return normalizeNewlines(value);
  if (Array.isArray(value)) return value.map(canonicalize);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort(compareCodeUnits)) {
      const v = (value as Record<string, unknown>)[key];
      // undefined is dropped exactly as JSON.stringify would, so optional fields do not change the hash.
      if (v !== undefined) out[key] = canonicalize(v);
    }
    return out;
  }
  if (typeof value === 'number' && !Number.isFinite(value)) throw new Error(`cannot canonicalize non-finite number ${value}`);
  return value;
}

/** Canonical JSON text of any JSON value: sorted keys, no whitespace. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(canonicalize(value));
}

/** Locale-independent string order, so sorting is identical on every machine. */
export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * The canonical dataset text: records sorted by id, one canonical JSON per line, trailing newline.
 * Throws on duplicate ids because two records with one id make the order (and hash) ambiguous.
 */
export function serializeDataset(records: readonly DatasetRecord[]): string {
  const sorted = [...records].sort((a, b) => compareCodeUnits(a.id, b.id));
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.id === sorted[i - 1]!.id) throw new Error(`duplicate record id "${sorted[i]!.id}"`);
  }
  return sorted.map((r) => canonicalJson(r) + '\n').join('');
}

/** The dataset version id: sha256 of the canonical bytes. */
export function datasetHash(records: readonly DatasetRecord[]): string {
  return sha256Hex(serializeDataset(records));
}
