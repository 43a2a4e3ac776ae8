import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { datasetRecordSchema } from '@opensoc/contracts';
import type { DatasetRecord } from '@opensoc/contracts';
import { checkTechnique } from './attack.ts';
import { decodeUtf8, readRawLines } from './lines.ts';
import type { AttackTable } from './attack.ts';

/** One problem found in a dataset file. `line` is 1-based; absent for file-level problems. */
export interface ValidationIssue {
  file: string;
  line?: number;
  /** 0-based array index, for JSON-array inputs (importers). */
  index?: number;
  field?: string;
  message: string;
}

export interface ValidationReport {
  file: string;
  /** Lines read (including bad ones). */
  lines: number;
  /** Records that passed every check. */
  validRecords: number;
  /** The first `maxErrors` errors / warnings; the totals count all of them. */
  errors: ValidationIssue[];
  warnings: ValidationIssue[];
  errorCount: number;
  warningCount: number;
  ok: boolean;
}

export interface ValidateOptions {
  /** ATT&CK table: technique ids must exist and not be revoked, tactic must belong to the technique. */
  attack?: AttackTable;
  /** A technique missing from the table: an error (default) or a warning. */
  onUnknownTechnique?: UnknownTechniquePolicy;
  /** Errors kept in the report (all are counted). Default 100. */
  maxErrors?: number;
  /** Largest accepted line in bytes. Default 256 KiB. */
  maxRecordBytes?: number;
  /** Name used in messages; default the file's base name. */
  displayName?: string;
  /** Called for each valid record, in file order (lets callers load while validating in one pass). */
  onRecord?: (record: DatasetRecord, line: number) => void;
}

export const DEFAULT_MAX_ERRORS = 100;
export const DEFAULT_MAX_RECORD_BYTES = 256 * 1024;

/** `data.jsonl:17: field "severity": must be one of LOW|MEDIUM|HIGH|CRITICAL` */
export function formatIssue(issue: ValidationIssue): string {
  const where = issue.line !== undefined ? `${issue.file}:${issue.line}` : issue.index !== undefined ? `${issue.file}[${issue.index}]` : issue.file;
  const field = issue.field ? `field "${issue.field}": ` : '';
  return `${where}: ${field}${issue.message}`;
}

/** Errors shown to a person; the report keeps more and counts all. */
export const DEFAULT_SHOWN_ERRORS = 20;
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export function formatReport(report: ValidationReport, maxShown = DEFAULT_SHOWN_ERRORS): string {
  const lines = [...report.errors.slice(0, maxShown).map(formatIssue), ...report.warnings.slice(0, maxShown).map((w) => `warning: ${formatIssue(w)}`)];
  const hidden = report.errorCount - Math.min(report.errors.length, maxShown);
  if (hidden > 0) lines.push(`... and ${plural(hidden, 'more error')}`);
  const hiddenWarnings = report.warningCount - Math.min(report.warnings.length, maxShown);
  if (hiddenWarnings > 0) lines.push(`... and ${plural(hiddenWarnings, 'more warning')}`);
  // Nothing parsed at all: most likely not a JSONL file (binary, another format).
  if (report.validRecords === 0 && report.errors.length > 0 && report.errors.every((e) => /^(invalid UTF-8|malformed JSON|record is \d+ bytes)/.test(e.message))) {
    lines.push(`${report.file}: no line is a JSON object; is this a JSONL file (one JSON record per line)?`);
  }
  lines.push(`${report.file}: ${plural(report.lines, 'line')}, ${plural(report.validRecords, 'valid record')}, ${plural(report.errorCount, 'error')}, ${plural(report.warningCount, 'warning')}`);
  return lines.join('\n');
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? v.slice(0, 57) + '...' : v);
  return typeof v === 'object' ? 'object' : String(v);
}

function valueAt(obj: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = obj;
  for (const key of path) v = v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[key] : undefined;
  return v;
}

/** What a technique missing from the ATT&CK table is: an error (the record is rejected) or a warning. */
export type UnknownTechniquePolicy = 'reject' | 'warn';

type Issue = { field?: string; message: string };

/**
 * Every technique of a record (the primary and, for multi-label records, each of
 * mitreTechniques) against the table, and every tactic against the tactics of its techniques.
 */
function checkLabelsAgainstAttack(obj: Record<string, unknown>, attack: AttackTable, policy: UnknownTechniquePolicy, errors: Issue[], warnings: Issue[]): void {
  const technique = typeof obj.mitreTechnique === 'string' ? obj.mitreTechnique : null;
  const tactic = typeof obj.mitreTactic === 'string' ? obj.mitreTactic : null;
  const techList = Array.isArray(obj.mitreTechniques) ? obj.mitreTechniques.filter((t): t is string => typeof t === 'string') : undefined;
  const tacList = Array.isArray(obj.mitreTactics) ? obj.mitreTactics.filter((t): t is string => typeof t === 'string') : undefined;
  const add = (issue: Issue, asWarning: boolean) => {
    // Syntax errors are already reported by the schema.
    if (asWarning) warnings.push(issue);
    else if (!errors.some((x) => x.field === issue.field)) errors.push(issue);
  };
  const unknown = (e: Issue) => / is not in the ATT&CK table$/.test(e.message);
  if (!techList && !tacList) {
    if (technique === null) return;
    const labels = checkTechnique(technique, tactic, attack);
    for (const e of labels.errors) add(unknown(e) && policy === 'warn' ? { ...e, message: `${e.message} (kept: --on-unknown-technique warn)` } : e, unknown(e) && policy === 'warn');
    warnings.push(...labels.warnings);
    return;
  }
  const techniques = techList ?? (technique === null ? [] : [technique]);
  const allKnown = techniques.every((t) => attack.techniques.has(t));
  techniques.forEach((t, i) => {
    const field = techList ? `mitreTechniques.${i}` : 'mitreTechnique';
    const labels = checkTechnique(t, null, attack);
    for (const e of labels.errors) add({ ...e, field, message: unknown(e) && policy === 'warn' ? `${e.message} (kept: --on-unknown-technique warn)` : e.message }, unknown(e) && policy === 'warn');
    for (const w of labels.warnings) warnings.push({ ...w, field });
  });
  if (!allKnown || techniques.length === 0) return;
  const allowed = new Set(techniques.flatMap((t) => attack.techniques.get(t)!.tactics));
  (tacList ?? (tactic === null ? [] : [tactic])).forEach((t, i) => {
    if (!allowed.has(t)) add({ field: tacList ? `mitreTactics.${i}` : 'mitreTactic', message: `"${t}" is not a tactic of any of ${techniques.join(', ')}; expected one of ${[...allowed].join('|')}` }, false);
  });
}

/**
 * Validates one parsed record against the schema (and the ATT&CK table when given).
 * Returns field-level problems with messages written for people, not zod's defaults.
 */
export function checkRecord(
  value: unknown,
  attack?: AttackTable,
  options: { onUnknownTechnique?: UnknownTechniquePolicy } = {},
): { record?: DatasetRecord; errors: { field?: string; message: string }[]; warnings: { field?: string; message: string }[] } {
  const errors: { field?: string; message: string }[] = [];
  const warnings: { field?: string; message: string }[] = [];
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    errors.push({ message: `expected a JSON object, got ${describe(value)}` });
    return { errors, warnings };
  }
  const parsed = datasetRecordSchema.safeParse(value);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = issue.path.map(String).join('.') || undefined;
      const got = valueAt(value, issue.path);
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) errors.push({ field: [...issue.path.map(String), key].join('.'), message: 'unknown field' });
      } else if (got === undefined && issue.path.length > 0 && (issue.code === 'invalid_type' || issue.code === 'invalid_value')) {
        errors.push({ field, message: 'is required' });
      } else if (issue.code === 'invalid_value') {
        errors.push({ field, message: `must be one of ${issue.values.map(String).join('|')} (got ${describe(got)})` });
      } else if (issue.code === 'invalid_type') {
        errors.push({ field, message: `must be ${issue.expected} (got ${describe(got)})` });
      } else {
        errors.push({ field, message: issue.message });
      }
    }
  }
  // Technique checks run even when other fields failed, so one pass reports everything.
  if (attack) checkLabelsAgainstAttack(value as Record<string, unknown>, attack, options.onUnknownTechnique ?? 'reject', errors, warnings);
  return { record: errors.length === 0 && parsed.success ? parsed.data : undefined, errors, warnings };
}

/**
 * Streams a JSONL dataset file line by line (never holding more than one line, capped at
 * maxRecordBytes) and reports every problem with its file, 1-based line and field.
 */
export async function validateJsonlFile(path: string, options: ValidateOptions = {}): Promise<ValidationReport> {
  const file = options.displayName ?? basename(path);
  const maxErrors = options.maxErrors ?? DEFAULT_MAX_ERRORS;
  const maxBytes = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
  const report: ValidationReport = { file, lines: 0, validRecords: 0, errors: [], warnings: [], errorCount: 0, warningCount: 0, ok: false };
  const addError = (issue: Omit<ValidationIssue, 'file'>) => {
    report.errorCount++;
    if (report.errors.length < maxErrors) report.errors.push({ file, ...issue });
  };
  const addWarning = (issue: Omit<ValidationIssue, 'file'>) => {
    report.warningCount++;
    if (report.warnings.length < maxErrors) report.warnings.push({ file, ...issue });
  };

  if ((await stat(path)).size === 0) {
    addError({ message: 'file is empty (0 bytes)' });
    return report;
  }

  const seenIds = new Map<string, number>();
  for await (const { line, bytes, size } of readRawLines(path, maxBytes)) {
    report.lines = line;
    if (bytes === null) {
      addError({ line, message: `record is ${size} bytes, over the ${maxBytes}-byte cap` });
      continue;
    }
    let text: string;
    try {
      text = decodeUtf8(bytes);
    } catch {
      addError({ line, message: 'invalid UTF-8' });
      continue;
    }
    if (line === 1 && text.startsWith('\uFEFF')) {
      addWarning({ line: 1, message: 'byte order mark ignored' });
      text = text.slice(1);
    }
    if (text.endsWith('\r')) text = text.slice(0, -1);
    if (text.trim() === '') {
      addError({ line, message: 'blank line' });
      continue;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      addError({ line, message: `malformed JSON: ${(e as Error).message}` });
      continue;
    }
    const { record, errors, warnings } = checkRecord(value, options.attack, options);
    for (const e of errors) addError({ line, ...e });
    for (const w of warnings) addWarning({ line, ...w });
    const id = (value as { id?: unknown } | null)?.id;
    if (typeof id === 'string') {
      const first = seenIds.get(id);
      if (first !== undefined) {
        addError({ line, field: 'id', message: `duplicate id "${id}" (first on line ${first})` });
        continue;
      }
      seenIds.set(id, line);
    }
    if (record) {
      report.validRecords++;
      options.onRecord?.(record, line);
    }
  }

  if (report.lines > 0 && report.validRecords === 0 && report.errorCount === 0) addError({ message: 'file has no records' });
  report.ok = report.errorCount === 0;
  return report;
}

export class DatasetValidationError extends Error {
  constructor(readonly report: ValidationReport) {
    super(`${report.file}: ${plural(report.errorCount, 'validation error')}\n${formatReport(report)}`);
    this.name = 'DatasetValidationError';
  }
}

/** Loads a JSONL dataset in one streaming pass; throws DatasetValidationError if anything is wrong. */
export async function readJsonlDataset(path: string, options: Omit<ValidateOptions, 'onRecord'> = {}): Promise<DatasetRecord[]> {
  const records: DatasetRecord[] = [];
  const report = await validateJsonlFile(path, { ...options, onRecord: (r) => records.push(r) });
  if (!report.ok) throw new DatasetValidationError(report);
  return records;
}

/** In-memory variant for records already parsed (importers, generators): same messages, index as line. */
export function validateRecords(records: readonly unknown[], options: { attack?: AttackTable; onUnknownTechnique?: UnknownTechniquePolicy; file?: string; maxErrors?: number } = {}): ValidationReport {
  const file = options.file ?? '<memory>';
  const maxErrors = options.maxErrors ?? DEFAULT_MAX_ERRORS;
  const report: ValidationReport = { file, lines: records.length, validRecords: 0, errors: [], warnings: [], errorCount: 0, warningCount: 0, ok: false };
  const seen = new Map<string, number>();
  records.forEach((value, i) => {
    const line = i + 1;
    const { record, errors, warnings } = checkRecord(value, options.attack, options);
    for (const e of errors) {
      report.errorCount++;
      if (report.errors.length < maxErrors) report.errors.push({ file, line, ...e });
    }
    for (const w of warnings) {
      report.warningCount++;
      if (report.warnings.length < maxErrors) report.warnings.push({ file, line, ...w });
    }
    let duplicate = false;
    const id = (value as { id?: unknown } | null)?.id;
    if (typeof id === 'string') {
      const first = seen.get(id);
      if (first !== undefined) {
        duplicate = true;
        report.errorCount++;
        if (report.errors.length < maxErrors) report.errors.push({ file, line, field: 'id', message: `duplicate id "${id}" (first on line ${first})` });
      } else seen.set(id, line);
    }
    if (record && !duplicate) report.validRecords++;
  });
  report.ok = report.errorCount === 0;
  return report;
}
