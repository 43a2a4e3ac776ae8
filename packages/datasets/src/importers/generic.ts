import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { DatasetRecord } from '@opensoc/contracts';
import type { AttackTable } from '../attack.ts';
import { decodeUtf8, readRawLines } from '../lines.ts';
import { checkRecord, DEFAULT_MAX_RECORD_BYTES } from '../validate.ts';
import type { ValidationIssue } from '../validate.ts';
import { parseCsv } from './csv.ts';
import { inferSource, normalizeCategory, normalizeSeverity, normalizeTactic, normalizeTechnique } from './normalize.ts';

/** Record field -> column (CSV header) or key (JSONL, dotted paths allowed) in the input. */
export interface FieldMapping {
  log: string;
  threatCategory: string;
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
}

export interface GenericImportOptions {
  mapping: FieldMapping;
  /** Values for fields the input lacks (e.g. every row is from one source, or one severity). */
  defaults?: Partial<Pick<DatasetRecord, 'source' | 'severity' | 'threatType' | 'mitreTechnique' | 'mitreTactic'>>;
  /** Input label -> taxonomy value, for inputs with their own vocabulary. */
  categoryMap?: Record<string, string>;
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

/**
 * Maps one input row onto a record, normalizing label spellings, then validates it.
 * Returns field-level problems instead of throwing so one pass reports every bad row.
 */
export function mapRow(get: Lookup, line: number, file: string, options: GenericImportOptions): { record?: DatasetRecord; errors: { field?: string; message: string }[]; warnings: { field?: string; message: string }[] } {
  const m = options.mapping;
  const errors: { field?: string; message: string }[] = [];
  const text = (field: keyof FieldMapping): string | undefined => {
    const key = m[field];
    if (key === undefined) return undefined;
    const v = get(key);
    return v === undefined || v === null ? undefined : typeof v === 'string' ? v : typeof v === 'number' ? String(v) : JSON.stringify(v);
  };
  const log = text('log') ?? '';
  const rawCategory = text('threatCategory') ?? '';
  const mappedCategory = options.categoryMap?.[rawCategory] ?? rawCategory;
  const threatCategory = normalizeCategory(mappedCategory);
  if (!threatCategory) errors.push({ field: 'threatCategory', message: `unknown label "${rawCategory}" (column "${m.threatCategory}")` });

  let mitreTechnique: string | null = options.defaults?.mitreTechnique ?? null;
  const rawTechnique = text('mitreTechnique');
  if (rawTechnique !== undefined) {
    const t = normalizeTechnique(rawTechnique);
    if (t === undefined) errors.push({ field: 'mitreTechnique', message: `no ATT&CK id in "${rawTechnique}"` });
    else mitreTechnique = t;
  }
  let mitreTactic: string | null = options.defaults?.mitreTactic ?? null;
  const rawTactic = text('mitreTactic');
  if (rawTactic !== undefined) {
    const t = normalizeTactic(rawTactic);
    if (t === undefined) errors.push({ field: 'mitreTactic', message: `unknown tactic "${rawTactic}"` });
    else mitreTactic = t;
  }
  const rawSeverity = text('severity');
  const severity = rawSeverity !== undefined ? normalizeSeverity(rawSeverity) : options.defaults?.severity;
  if (!severity) errors.push({ field: 'severity', message: rawSeverity === undefined ? 'is required (map a column or give a default)' : `unknown severity "${rawSeverity}"` });
  const source = text('source') ?? options.defaults?.source ?? inferSource(log);
  if (!source) errors.push({ field: 'source', message: 'cannot infer the log source; map a column or give a default' });
  const rawRisk = text('riskScore');
  const riskScore = rawRisk === undefined || rawRisk.trim() === '' ? undefined : Number(rawRisk);

  if (errors.length > 0) return { errors, warnings: [] };
  const candidate: Record<string, unknown> = {
    id: text('id') ?? `${options.idPrefix ?? slug(file)}-${String(line).padStart(6, '0')}`,
    log,
    source,
    threatCategory,
    threatType: text('threatType') ?? options.defaults?.threatType ?? rawCategory,
    mitreTechnique: threatCategory === 'benign' ? null : mitreTechnique,
    mitreTactic: threatCategory === 'benign' ? null : mitreTactic,
    severity,
    riskScore,
    evidence: text('evidence'),
    impact: text('impact'),
    recommendation: text('recommendation'),
    provenance: { origin: 'imported', tool: options.tool ?? 'generic-importer', file, line, ...(options.license ? { license: options.license } : {}) },
  };
  for (const k of Object.keys(candidate)) if (candidate[k] === undefined) delete candidate[k];
  return checkRecord(candidate, options.attack);
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
    fileError(message: string, line?: number) {
      result.errorCount++;
      result.errors.push({ file, ...(line !== undefined ? { line } : {}), message });
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
    if (line === 1) {
      // A mapped key absent from the first object is almost always a wrong mapping: say so once.
      for (const [field, key] of Object.entries(options.mapping)) {
        if (key !== undefined && getPath(value, key) === undefined) c.fileError(`key "${key}" (mapped to ${field}) not found`, line);
      }
      if (c.result.errorCount > 0) return c.result;
    }
    c.add(line, mapRow((k) => getPath(value, k), line, file, { ...options, idPrefix: options.idPrefix ?? slug(file) }));
  }
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
      c.fileError(`row has ${row.fields.length} fields, header has ${header.fields.length}`, row.line);
      continue;
    }
    c.add(row.line, mapRow((k) => row.fields[columns.get(k)!], row.line, file, { ...options, idPrefix: options.idPrefix ?? slug(file) }));
  }
  if (c.result.records.length === 0 && c.result.errorCount === 0) c.fileError('file has no records');
  return c.result;
}
