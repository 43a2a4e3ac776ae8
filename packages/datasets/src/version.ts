import { UNKNOWN_LABEL, type DatasetRecord } from '@opensoc/contracts';
import type { AttackTable } from './attack.ts';
import { canonicalJson, compareCodeUnits, serializeDataset, sha256Hex } from './canonical.ts';
import { logTemplateId } from './template.ts';
import { formatIssue, validateRecords } from './validate.ts';

/** Label counts of a record set; keys sorted so the object serializes canonically. */
export interface DatasetStats {
  records: number;
  templates: number;
  byThreatCategory: Record<string, number>;
  bySeverity: Record<string, number>;
  byTechnique: Record<string, number>;
  byTactic: Record<string, number>;
  bySource: Record<string, number>;
}

/** Key used for a null technique / tactic (benign records). */
export const NONE_LABEL = 'none';

function sortedCounts(counts: Map<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const key of [...counts.keys()].sort(compareCodeUnits)) out[key] = counts.get(key)!;
  return out;
}

export function computeStats(records: readonly DatasetRecord[]): DatasetStats {
  const maps = {
    byThreatCategory: new Map<string, number>(),
    bySeverity: new Map<string, number>(),
    byTechnique: new Map<string, number>(),
    byTactic: new Map<string, number>(),
    bySource: new Map<string, number>(),
  };
  const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  const templates = new Set<string>();
  for (const r of records) {
    bump(maps.byThreatCategory, r.threatCategory ?? UNKNOWN_LABEL);
    bump(maps.bySeverity, r.severity ?? UNKNOWN_LABEL);
    bump(maps.byTechnique, r.mitreTechnique ?? NONE_LABEL);
    bump(maps.byTactic, r.mitreTactic ?? NONE_LABEL);
    bump(maps.bySource, r.source);
    templates.add(logTemplateId(r.log));
  }
  return {
    records: records.length,
    templates: templates.size,
    byThreatCategory: sortedCounts(maps.byThreatCategory),
    bySeverity: sortedCounts(maps.bySeverity),
    byTechnique: sortedCounts(maps.byTechnique),
    byTactic: sortedCounts(maps.byTactic),
    bySource: sortedCounts(maps.bySource),
  };
}

/** S3 key of a dataset version (DESIGN §7: content-addressed, immutable). */
export function datasetObjectKey(name: string, hash: string): string {
  if (!/^[a-z0-9][a-z0-9._-]{0,99}$/.test(name)) throw new Error(`invalid dataset name "${name}"`);
  if (!/^[0-9a-f]{64}$/.test(hash)) throw new Error(`invalid dataset hash "${hash}"`);
  return `datasets/${name}/${hash}.jsonl`;
}

export interface PreparedVersion {
  /** UTF-8 bytes of the canonical JSONL: what goes to S3 at datasets/<name>/<hash>.jsonl. */
  canonicalBytes: Uint8Array;
  /** sha256 of canonicalBytes: the version id. */
  hash: string;
  stats: DatasetStats;
}

/**
 * Everything the version service needs to store a dataset version. Validates first (and against
 * the ATT&CK table when given) because a stored version is immutable and must never be invalid.
 */
export function prepareVersion(records: readonly DatasetRecord[], options: { attack?: AttackTable } = {}): PreparedVersion {
  const report = validateRecords(records, { attack: options.attack, file: 'records' });
  if (!report.ok) throw new Error(`cannot version an invalid dataset (${report.errorCount} errors):\n${report.errors.map(formatIssue).join('\n')}`);
  const canonicalBytes = new TextEncoder().encode(serializeDataset(records));
  return { canonicalBytes, hash: sha256Hex(canonicalBytes), stats: computeStats(records) };
}

/** Fields whose change means a record was relabelled. */
export const LABEL_FIELDS = ['threatCategory', 'threatType', 'mitreTechnique', 'mitreTactic', 'severity', 'riskScore'] as const;

export interface FieldChange {
  field: string;
  from: unknown;
  to: unknown;
}

export interface DatasetDiff {
  added: string[];
  removed: string[];
  /** Records whose labels changed; `changes` also lists other changed fields of that record. */
  relabelled: { id: string; changes: FieldChange[] }[];
  /** Records whose labels are the same but whose log or metadata changed. */
  modified: { id: string; changes: FieldChange[] }[];
  unchanged: number;
}

function sameValue(a: unknown, b: unknown): boolean {
  // Canonical form so key order inside provenance does not count as a change.
  return (a === undefined ? undefined : canonicalJson(a)) === (b === undefined ? undefined : canonicalJson(b));
}

/** Differences from version a to version b, matched by record id; all lists sorted by id. */
export function diffDatasets(a: readonly DatasetRecord[], b: readonly DatasetRecord[]): DatasetDiff {
  const before = new Map(a.map((r) => [r.id, r] as const));
  const after = new Map(b.map((r) => [r.id, r] as const));
  const diff: DatasetDiff = { added: [], removed: [], relabelled: [], modified: [], unchanged: 0 };
  for (const id of [...after.keys()].sort(compareCodeUnits)) if (!before.has(id)) diff.added.push(id);
  for (const id of [...before.keys()].sort(compareCodeUnits)) {
    const x = before.get(id)!;
    const y = after.get(id);
    if (!y) {
      diff.removed.push(id);
      continue;
    }
    const fields = [...new Set([...Object.keys(x), ...Object.keys(y)])].sort(compareCodeUnits);
    const changes: FieldChange[] = [];
    for (const f of fields) {
      const from = (x as Record<string, unknown>)[f];
      const to = (y as Record<string, unknown>)[f];
      if (!sameValue(from, to)) changes.push({ field: f, from, to });
    }
    if (changes.length === 0) diff.unchanged++;
    else if (changes.some((c) => (LABEL_FIELDS as readonly string[]).includes(c.field))) diff.relabelled.push({ id, changes });
    else diff.modified.push({ id, changes });
  }
  return diff;
}
