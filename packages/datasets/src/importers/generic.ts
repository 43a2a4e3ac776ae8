import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { DatasetRecord, LabelField } from '@opensoc/contracts';
import type { AttackTable } from '../attack.ts';
import { decodeUtf8, readRawLines } from '../lines.ts';
import { checkRecord, DEFAULT_MAX_RECORD_BYTES } from '../validate.ts';
import type { UnknownTechniquePolicy, ValidationIssue } from '../validate.ts';
import { parseCsv } from './csv.ts';
import { inferSource, normalizeCategory, normalizeSeverity, normalizeTactic, normalizeTechnique } from './normalize.ts';

/**
 * Record field -> column (CSV header) or key (JSONL, dotted paths into nested objects) in the
 * input. An unmapped label field is unknown for every record (null, with the reason in
 * unknownLabels); a technique or tactic value may hold several labels (an array, or a list
 * separated by , ; or |), the first being the primary one.
 */
export interface FieldMapping {
  log: string;
  threatCategory?: string;
  id?: string;
  threatType?: string;
  mitreTechnique?: string;
  mitreTactic?: string;
  severity?: string;
  source?: string;
  riskScore?: string;
  evidence?: string;
  impact?: string;
  recommendation?: string;
  /** Provenance: the publisher's event id (EventRecordID, CloudTrail eventID, Zeek uid). */
  eventId?: string;
  /** Provenance: the original file a merged input row came from, and its line there. */
  sourceFile?: string;
  sourceLine?: string;
}
export type MappedField = keyof FieldMapping;

/** Label fields whose input values may be translated by a value map. */
export const VALUE_MAPPED_FIELDS = ['threatCategory', 'threatType', 'mitreTechnique', 'mitreTactic', 'severity'] as const;
export type ValueMappedField = (typeof VALUE_MAPPED_FIELDS)[number];

export interface GenericImportOptions {
  mapping: FieldMapping;
  /** Values for fields the input lacks (e.g. every row is from one source, or one severity). */
  defaults?: Partial<Pick<DatasetRecord, 'source' | 'severity' | 'threatType' | 'mitreTechnique' | 'mitreTactic' | 'threatCategory'>>;
  /** Input label -> taxonomy value, for inputs with their own vocabulary (same as valueMaps.threatCategory). */
  categoryMap?: Record<string, string>;
  /** Per label field: input value -> our value (e.g. severity {hi: HIGH}, technique {"Mimikatz": T1003.001}). */
  valueMaps?: Partial<Record<ValueMappedField, Record<string, string>>>;
  /** Why an unmapped label is unknown, stored in unknownLabels. Default "not labelled in the input". */
  unknownReason?: string;
  /** With an ATT&CK table: a technique missing from it is an error (reject, default) or a warning (warn). */
  onUnknownTechnique?: UnknownTechniquePolicy;
  /** Record id prefix when no id column is mapped: `${prefix}-${line}`. Default the file's base name. */
  idPrefix?: string;
  tool?: string;
  license?: string;
  attack?: AttackTable;
  displayName?: string;
  /** Errors kept (all are counted). Default 100. */
  maxErrors?: number;
}

export interface ImportResult {
  records: DatasetRecord[];
  errors: ValidationIssue[];
  warnings: ValidationIssue[];
  errorCount: number;
}

type Lookup = (key: string) => unknown;

const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '') || 'import';

export const DEFAULT_UNKNOWN_REASON = 'not labelled in the input';

/** The labels in one technique/tactic value: an array, or text split on , ; | (names keep their spaces). */
function labelList(v: unknown): string[] {
  const items = Array.isArray(v) ? v.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))) : typeof v === 'string' ? v.split(/[,;|]/) : v === undefined || v === null ? [] : [String(v)];
  return items.map((x) => x.trim()).filter((x) => x !== '');
}

/**
 * Maps one input row onto a record, normalizing label spellings, then validates it.
 * Returns field-level problems instead of throwing so one pass reports every bad row.
 */
export function mapRow(get: Lookup, line: number, file: string, options: GenericImportOptions): { record?: DatasetRecord; errors: { field?: string; message: string }[]; warnings: { field?: string; message: string }[] } {
  const m = options.mapping;
  const errors: { field?: string; message: string }[] = [];
  const unknownLabels: Partial<Record<LabelField, string>> = {};
  const maps: Partial<Record<ValueMappedField, Record<string, string>>> = { ...options.valueMaps, threatCategory: { ...options.categoryMap, ...options.valueMaps?.threatCategory } };
  const raw = (field: MappedField): unknown => (m[field] === undefined ? undefined : get(m[field]!));
  const text = (field: MappedField): string | undefined => {
    const v = raw(field);
    return v === undefined || v === null ? undefined : typeof v === 'string' ? v : typeof v === 'number' ? String(v) : JSON.stringify(v);
  };
  const translate = (field: ValueMappedField, value: string) => maps[field]?.[value] ?? maps[field]?.[value.trim()] ?? value;
  /** Why a label is absent: not mapped or not in this row (the user's reason), or given as empty or N/A. */
  const absent = (field: LabelField & MappedField, value?: string) =>
    value === undefined ? (options.unknownReason ?? DEFAULT_UNKNOWN_REASON) : value.trim() !== '' ? `"${value.trim()}" in the input (column "${m[field]}")` : `empty in the input (column "${m[field]}")`;

  const log = text('log') ?? '';
  const rawCategory = text('threatCategory');
  let threatCategory: string | null = options.defaults?.threatCategory ?? null;
  if (rawCategory !== undefined && rawCategory.trim() !== '') {
    const c = normalizeCategory(translate('threatCategory', rawCategory));
    if (!c) errors.push({ field: 'threatCategory', message: `unknown label "${rawCategory}" (column "${m.threatCategory}"); map it with a value map` });
    else threatCategory = c;
  }
  if (threatCategory === null) unknownLabels.threatCategory = absent('threatCategory', rawCategory);
  const benign = threatCategory === 'benign';

  /** Technique or tactic lists: normalized, deduplicated, primary first; N/A means none. */
  const labels = (field: 'mitreTechnique' | 'mitreTactic', normalize: (s: string) => string | null | undefined, what: string): string[] => {
    const given = raw(field);
    const out: string[] = [];
    for (const item of labelList(given)) {
      const n = normalize(translate(field, item));
      if (n === undefined) errors.push({ field, message: `${what} "${item}" (column "${m[field]}")` });
      else if (n !== null && !out.includes(n)) out.push(n);
    }
    if (out.length === 0 && given === undefined && options.defaults?.[field]) out.push(options.defaults[field]!);
    return out;
  };
  const techniques = labels('mitreTechnique', normalizeTechnique, 'no ATT&CK technique id in');
  const tactics = labels('mitreTactic', normalizeTactic, 'not an ATT&CK tactic id, name or shortname:');
  if (!benign && techniques.length === 0) unknownLabels.mitreTechnique = absent('mitreTechnique', text('mitreTechnique'));
  if (!benign && tactics.length === 0) unknownLabels.mitreTactic = absent('mitreTactic', text('mitreTactic'));

  const rawSeverity = text('severity');
  let severity: string | null = options.defaults?.severity ?? null;
  if (rawSeverity !== undefined && rawSeverity.trim() !== '') {
    const sv = normalizeSeverity(translate('severity', rawSeverity));
    if (!sv) errors.push({ field: 'severity', message: `unknown severity "${rawSeverity}" (column "${m.severity}"); expected LOW|MEDIUM|HIGH|CRITICAL or a value map` });
    else severity = sv;
  }
  if (severity === null) unknownLabels.severity = absent('severity', rawSeverity);
  const rawType = text('threatType');
  const threatType = rawType !== undefined && rawType.trim() !== '' ? translate('threatType', rawType) : options.defaults?.threatType ?? (rawCategory?.trim() || null);
  if (threatType === null) unknownLabels.threatType = absent('threatType', rawType);

  const source = text('source') ?? options.defaults?.source ?? inferSource(log);
  if (!source) errors.push({ field: 'source', message: 'cannot infer the log source; map a column or give a default' });
  const rawRisk = text('riskScore');
  const riskScore = rawRisk === undefined || rawRisk.trim() === '' ? undefined : Number(rawRisk);

  if (errors.length > 0) return { errors, warnings: [] };
  const sourceLine = text('sourceLine');
  const provenance: Record<string, unknown> = {
    origin: 'imported', tool: options.tool ?? 'generic-importer',
    // A merged input keeps each record's original file (and line, if given); else the import file and line.
    ...(text('sourceFile') ? { file: text('sourceFile'), ...(sourceLine ? { line: Number(sourceLine) } : {}) } : { file, line }),
    ...(text('eventId') ? { eventId: text('eventId') } : {}),
    ...(options.license ? { license: options.license } : {}),
  };
  const candidate: Record<string, unknown> = {
    id: text('id') ?? `${options.idPrefix ?? slug(file)}-${String(line).padStart(6, '0')}`,
    log,
    source,
    threatCategory,
    threatType,
    mitreTechnique: benign ? null : techniques[0] ?? null,
    mitreTactic: benign ? null : tactics[0] ?? null,
    ...(!benign && techniques.length > 1 ? { mitreTechniques: techniques } : {}),
    ...(!benign && tactics.length > 1 ? { mitreTactics: tactics } : {}),
    severity,
    ...(Object.keys(unknownLabels).length > 0 ? { unknownLabels } : {}),
    riskScore,
    evidence: text('evidence'),
    impact: text('impact'),
    recommendation: text('recommendation'),
    provenance,
  };
  for (const k of Object.keys(candidate)) if (candidate[k] === undefined) delete candidate[k];
  return checkRecord(candidate, options.attack, { onUnknownTechnique: options.onUnknownTechnique });
}

function collector(file: string, maxErrors: number) {
  const result: ImportResult = { records: [], errors: [], warnings: [], errorCount: 0 };
  const seen = new Map<string, number>();
  return {
    result,
    add(line: number, out: ReturnType<typeof mapRow>) {
      for (const e of out.errors) {
        result.errorCount++;
        if (result.errors.length < maxErrors) result.errors.push({ file, line, ...e });
      }
      for (const w of out.warnings) if (result.warnings.length < maxErrors) result.warnings.push({ file, line, ...w });
      if (!out.record) return;
      const first = seen.get(out.record.id);
      if (first !== undefined) {
        result.errorCount++;
        if (result.errors.length < maxErrors) result.errors.push({ file, line, field: 'id', message: `duplicate id "${out.record.id}" (first on line ${first})` });
        return;
      }
      seen.set(out.record.id, line);
      result.records.push(out.record);
    },
    fileError(message: string, line?: number, field?: string) {
      result.errorCount++;
      result.errors.push({ file, ...(line !== undefined ? { line } : {}), ...(field !== undefined ? { field } : {}), message });
    },
  };
}

function getPath(obj: unknown, path: string): unknown {
  if (obj !== null && typeof obj === 'object' && path in (obj as object)) return (obj as Record<string, unknown>)[path];
  let v: unknown = obj;
  for (const key of path.split('.')) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined;
  return v;
}

/** Imports a JSONL file of arbitrary objects through a field mapping, streaming line by line. */
export async function importJsonlFile(path: string, options: GenericImportOptions): Promise<ImportResult> {
  const file = options.displayName ?? basename(path);
  const c = collector(file, options.maxErrors ?? 100);
  const mapped = Object.entries(options.mapping).filter((e): e is [string, string] => e[1] !== undefined);
  const seen = new Set<string>();
  for await (const { line, bytes, size } of readRawLines(path, DEFAULT_MAX_RECORD_BYTES)) {
    if (bytes === null) {
      c.fileError(`line is ${size} bytes, over the ${DEFAULT_MAX_RECORD_BYTES}-byte cap`, line);
      continue;
    }
    let text: string;
    try {
      text = decodeUtf8(bytes).replace(/^\uFEFF/, '');
    } catch {
      c.fileError('invalid UTF-8', line);
      continue;
    }
    if (text.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      c.fileError(`malformed JSON: ${(e as Error).message}`, line);
      continue;
    }
    if (line === 1 && getPath(value, options.mapping.log) === undefined) {
      // The log key absent from the first object is almost always a wrong mapping: say so once.
      c.fileError(`key "${options.mapping.log}" (mapped to log) not found`, line);
      return c.result;
    }
    // Label keys may be absent from some rows (partial labels), so only a key in no row at all is a mapping error.
    for (const [field, key] of mapped) if (getPath(value, key) !== undefined) seen.add(field);
    c.add(line, mapRow((k) => getPath(value, k), line, file, { ...options, idPrefix: options.idPrefix ?? slug(file) }));
  }
  for (const [field, key] of mapped) if (!seen.has(field) && c.result.errorCount === 0) c.fileError(`key "${key}" (mapped to ${field}) is in no row; check the mapping (an unmapped label is imported as unknown)`);
  if (c.result.records.length === 0 && c.result.errorCount === 0) c.fileError('file has no records');
  return c.result;
}

/** Imports a CSV file with a header row through a field mapping (columns named by header). */
export async function importCsvFile(path: string, options: GenericImportOptions): Promise<ImportResult> {
  const file = options.displayName ?? basename(path);
  let text: string;
  try {
    text = decodeUtf8(await readFile(path));
  } catch {
    const c = collector(file, 1);
    c.fileError('invalid UTF-8');
    return c.result;
  }
  return importCsvText(text, { ...options, displayName: file });
}

export function importCsvText(text: string, options: GenericImportOptions): ImportResult {
  const file = options.displayName ?? 'input.csv';
  const c = collector(file, options.maxErrors ?? 100);
  let rows;
  try {
    rows = parseCsv(text);
  } catch (e) {
    const m = /^line (\d+): (.*)$/.exec((e as Error).message);
    c.fileError(m ? m[2]! : (e as Error).message, m ? Number(m[1]) : undefined);
    return c.result;
  }
  const header = rows.shift();
  if (!header) {
    c.fileError('file is empty (no header row)');
    return c.result;
  }
  const columns = new Map(header.fields.map((name, i) => [name.trim(), i] as const));
  for (const [field, column] of Object.entries(options.mapping)) {
    if (column !== undefined && !columns.has(column)) c.fileError(`column "${column}" (mapped to ${field}) not found in header`, header.line);
  }
  if (c.result.errorCount > 0) return c.result;
  for (const row of rows) {
    if (row.fields.length !== header.fields.length) {
      // The column named is the first one the row lacks (or the first extra position).
      const missing = header.fields[row.fields.length]?.trim() ?? `#${header.fields.length + 1}`;
      c.fileError(`row has ${row.fields.length} fields, header has ${header.fields.length}`, row.line, missing);
      continue;
    }
    c.add(row.line, mapRow((k) => row.fields[columns.get(k)!], row.line, file, { ...options, idPrefix: options.idPrefix ?? slug(file) }));
  }
  if (c.result.records.length === 0 && c.result.errorCount === 0) c.fileError('file has no records');
  return c.result;
}
