import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { MAX_FIELD_VALUE_LENGTH, MAX_FIELDS, MAX_LOG_LENGTH } from '@opensoc/contracts';
import type { DatasetRecord, LabelField } from '@opensoc/contracts';
import type { AttackTable } from '../attack.ts';
import { decodeUtf8 } from '../lines.ts';
import { checkRecord } from '../validate.ts';
import type { ValidationIssue } from '../validate.ts';
import type { ImportResult } from './generic.ts';
import { normalizeCategory, normalizeSeverity, normalizeTactic, normalizeTechnique } from './normalize.ts';

/** One event parsed from a SOC export: its raw text, its fields, and where it sits in the file. */
export interface ParsedEvent {
  log: string;
  fields: Record<string, string>;
  source: string;
  /** 1-based line (line formats, or the line an XML event starts on). */
  line?: number;
  /** 0-based index (JSON arrays such as CloudTrail's Records). */
  index?: number;
}

/** Labels as given by a mapping, a sidecar or defaults (free spellings, normalized on import). */
export interface EventLabels {
  threatCategory?: string;
  threatType?: string;
  mitreTechnique?: string;
  mitreTactic?: string;
  severity?: string;
}

export interface EventImportOptions {
  /** Label field -> parsed field name holding it (e.g. a collector that tags events). */
  labelFields?: Partial<Record<keyof EventLabels, string>>;
  /**
   * Sidecar JSON file: `{"default": {labels}, "events": {"<line or index>": {labels}}}`; the key
   * is the event's position as error messages print it (line for line formats, index for arrays).
   */
  sidecar?: string;
  /** Labels for every event of the file (below the mapping and the sidecar). */
  defaults?: EventLabels;
  /** Overrides the source the parser infers (e.g. nginx-access for a combined log). */
  source?: string;
  idPrefix?: string;
  displayName?: string;
  license?: string;
  attack?: AttackTable;
  maxErrors?: number;
}

/** The uniform importer signature every format module exports. */
export type EventImporter = (path: string, options?: EventImportOptions) => Promise<ImportResult>;

/** A parse problem at a position; the importer stores nothing when there is one. */
export class EventParseError extends Error {
  constructor(
    message: string,
    readonly at: { line?: number; index?: number; field?: string },
  ) {
    super(message);
  }
}

export const UNLABELLED_REASON = 'unlabelled import (for classification)';

const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '') || 'import';

/** Fields bounded as the record schema wants: at most MAX_FIELDS, empty values dropped, long ones cut. */
export function boundFields(fields: Record<string, string | number | boolean | null | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  let n = 0;
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined || v === null || n >= MAX_FIELDS) continue;
    const text = String(v);
    if (text === '' || k === '' || k.length > 100) continue;
    out[k] = text.length > MAX_FIELD_VALUE_LENGTH ? text.slice(0, MAX_FIELD_VALUE_LENGTH) : text;
    n++;
  }
  return out;
}

/** Reads a file as strict UTF-8, reporting the file when it is not. */
export async function readText(path: string, file: string): Promise<string | ValidationIssue> {
  try {
    return decodeUtf8(await readFile(path)).replace(/^\uFEFF/, '');
  } catch (e) {
    return { file, message: (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : 'invalid UTF-8' };
  }
}

interface Sidecar {
  default?: EventLabels;
  events: Map<string, EventLabels>;
}

const LABEL_KEYS = ['threatCategory', 'threatType', 'mitreTechnique', 'mitreTactic', 'severity'] as const;

function parseLabels(v: unknown, where: string): EventLabels {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error(`${where}: expected an object of labels`);
  const out: EventLabels = {};
  for (const [k, val] of Object.entries(v)) {
    if (!(LABEL_KEYS as readonly string[]).includes(k)) throw new Error(`${where}: field "${k}": unknown label field`);
    if (typeof val !== 'string') throw new Error(`${where}: field "${k}": must be a string`);
    out[k as keyof EventLabels] = val;
  }
  return out;
}

async function loadSidecar(path: string): Promise<Sidecar> {
  const name = basename(path);
  const text = await readText(path, name);
  if (typeof text !== 'string') throw new Error(`${name}: ${text.message}`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`${name}: malformed JSON: ${(e as Error).message}`);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new Error(`${name}: expected {"default": ..., "events": {...}}`);
  const obj = json as Record<string, unknown>;
  const events = new Map<string, EventLabels>();
  if (obj.events !== undefined) {
    if (obj.events === null || typeof obj.events !== 'object') throw new Error(`${name}: field "events": expected an object keyed by line or index`);
    for (const [k, v] of Object.entries(obj.events)) events.set(k, parseLabels(v, `${name}: events.${k}`));
  }
  return { ...(obj.default !== undefined ? { default: parseLabels(obj.default, `${name}: default`) } : {}), events };
}

/**
 * Turns parsed events into validated records. Labels come from (highest first) the mapped fields,
 * the sidecar entry for the event's position, the sidecar default, the options' defaults; a label
 * none of them gives is unknown, with the reason. All or nothing: any error leaves `records` empty.
 */
export async function eventsToRecords(events: readonly ParsedEvent[], path: string, tool: string, options: EventImportOptions = {}): Promise<ImportResult> {
  const file = options.displayName ?? basename(path);
  const maxErrors = options.maxErrors ?? 100;
  const result: ImportResult = { records: [], errors: [], warnings: [], errorCount: 0 };
  const fail = (issue: Omit<ValidationIssue, 'file'>) => {
    result.errorCount++;
    if (result.errors.length < maxErrors) result.errors.push({ file, ...issue });
  };
  let sidecar: Sidecar | undefined;
  if (options.sidecar) {
    try {
      sidecar = await loadSidecar(options.sidecar);
    } catch (e) {
      fail({ message: `sidecar ${(e as Error).message}` });
      return result;
    }
  }
  if (events.length === 0) fail({ message: 'file has no events' });
  const prefix = options.idPrefix ?? slug(file);
  const seenPositions = new Set<string>();
  for (const ev of events) {
    const pos = ev.line ?? ev.index ?? 0;
    seenPositions.add(String(pos));
    const at = ev.line !== undefined ? { line: ev.line } : { index: ev.index };
    const given: EventLabels = { ...options.defaults, ...sidecar?.default, ...sidecar?.events.get(String(pos)) };
    for (const [label, fieldName] of Object.entries(options.labelFields ?? {}) as [keyof EventLabels, string][]) {
      const v = ev.fields[fieldName];
      if (v !== undefined && v !== '') given[label] = v;
    }
    const out = labelledRecord(ev, given, `${prefix}-${String(pos).padStart(6, '0')}`, file, tool, options);
    for (const e of out.errors) fail({ ...at, ...e });
    for (const w of out.warnings) if (result.warnings.length < maxErrors) result.warnings.push({ file, ...at, ...w });
    if (out.record) result.records.push(out.record);
  }
  for (const k of sidecar?.events.keys() ?? []) if (!seenPositions.has(k)) fail({ field: 'sidecar', message: `labels for position ${k}, which has no event` });
  if (result.errorCount > 0) result.records = [];
  return result;
}

function labelledRecord(ev: ParsedEvent, given: EventLabels, id: string, file: string, tool: string, options: EventImportOptions): ReturnType<typeof checkRecord> {
  const errors: { field?: string; message: string }[] = [];
  const unknown: Partial<Record<LabelField, string>> = {};
  const reason = Object.keys(given).length === 0 ? UNLABELLED_REASON : 'not given by the label source';
  let threatCategory: string | null = null;
  if (given.threatCategory !== undefined) {
    const c = normalizeCategory(given.threatCategory);
    if (!c) errors.push({ field: 'threatCategory', message: `unknown label "${given.threatCategory}"` });
    else threatCategory = c;
  } else unknown.threatCategory = reason;
  const benign = threatCategory === 'benign';
  let mitreTechnique: string | null = null;
  if (given.mitreTechnique !== undefined && !benign) {
    const t = normalizeTechnique(given.mitreTechnique);
    if (t === undefined) errors.push({ field: 'mitreTechnique', message: `no ATT&CK id in "${given.mitreTechnique}"` });
    else if (t === null) unknown.mitreTechnique = 'given as none for a non-benign event';
    else mitreTechnique = t;
  } else if (!benign) unknown.mitreTechnique = reason;
  let mitreTactic: string | null = null;
  if (given.mitreTactic !== undefined && !benign) {
    const t = normalizeTactic(given.mitreTactic);
    if (t === undefined) errors.push({ field: 'mitreTactic', message: `unknown tactic "${given.mitreTactic}"` });
    else if (t === null) unknown.mitreTactic = 'given as none for a non-benign event';
    else mitreTactic = t;
  } else if (!benign) unknown.mitreTactic = reason;
  let severity: string | null = null;
  if (given.severity !== undefined) {
    const s = normalizeSeverity(given.severity);
    if (!s) errors.push({ field: 'severity', message: `unknown severity "${given.severity}"` });
    else severity = s;
  } else unknown.severity = reason;
  const threatType = given.threatType ?? given.threatCategory ?? null;
  if (threatType === null) unknown.threatType = reason;
  if (ev.log.length > MAX_LOG_LENGTH) errors.push({ field: 'log', message: `event is ${ev.log.length} characters, over the ${MAX_LOG_LENGTH} cap` });
  if (errors.length > 0) return { errors, warnings: [] };
  const candidate: Partial<DatasetRecord> = {
    id,
    log: ev.log,
    source: options.source ?? ev.source,
    threatCategory: threatCategory as DatasetRecord['threatCategory'],
    threatType,
    mitreTechnique,
    mitreTactic: mitreTactic as DatasetRecord['mitreTactic'],
    severity: severity as DatasetRecord['severity'],
    ...(Object.keys(unknown).length > 0 ? { unknownLabels: unknown } : {}),
    fields: ev.fields,
    provenance: { origin: 'imported', tool, file, ...(ev.line !== undefined ? { line: ev.line } : ev.index !== undefined ? { line: ev.index + 1 } : {}), ...(options.license ? { license: options.license } : {}) },
  };
  return checkRecord(candidate, options.attack);
}

/** Runs a text parser over a file and turns parse errors into file:line:field issues. */
export async function importWith(path: string, options: EventImportOptions, tool: string, parse: (text: string) => ParsedEvent[]): Promise<ImportResult> {
  const file = options.displayName ?? basename(path);
  const text = await readText(path, file);
  if (typeof text !== 'string') return { records: [], errors: [text], warnings: [], errorCount: 1 };
  let events: ParsedEvent[];
  try {
    events = parse(text);
  } catch (e) {
    if (!(e instanceof EventParseError)) throw e;
    return { records: [], errors: [{ file, ...e.at, message: e.message }], warnings: [], errorCount: 1 };
  }
  return eventsToRecords(events, path, tool, options);
}
