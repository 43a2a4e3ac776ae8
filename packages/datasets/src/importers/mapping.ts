import { SEVERITIES, THREAT_CATEGORIES } from '@opensoc/contracts';
import { VALUE_MAPPED_FIELDS, type FieldMapping, type GenericImportOptions, type MappedField, type ValueMappedField } from './generic.ts';

/**
 * How input rows become records: which column or (dotted) key holds each field, value maps for
 * label vocabularies, defaults, and the reason stored for labels the input does not have.
 */
export interface ImportMapping {
  fields: Partial<FieldMapping>;
  values?: GenericImportOptions['valueMaps'];
  defaults?: GenericImportOptions['defaults'];
  unknownReason?: string;
  idPrefix?: string;
  license?: string;
}

/** Short names accepted on the command line and in mapping files, onto record fields. */
const FIELD_ALIASES: Readonly<Record<string, MappedField>> = {
  log: 'log', message: 'log', id: 'id',
  category: 'threatCategory', threatCategory: 'threatCategory', type: 'threatType', threatType: 'threatType',
  technique: 'mitreTechnique', techniques: 'mitreTechnique', mitreTechnique: 'mitreTechnique',
  tactic: 'mitreTactic', tactics: 'mitreTactic', mitreTactic: 'mitreTactic',
  severity: 'severity', source: 'source', risk: 'riskScore', riskScore: 'riskScore',
  evidence: 'evidence', impact: 'impact', recommendation: 'recommendation',
  eventId: 'eventId', event: 'eventId', sourceFile: 'sourceFile', file: 'sourceFile', sourceLine: 'sourceLine',
};
const DEFAULTABLE = ['source', 'severity', 'threatType', 'mitreTechnique', 'mitreTactic', 'threatCategory'] as const;
const MAPPING_KEYS = ['fields', 'values', 'defaults', 'unknownReason', 'idPrefix', 'license'];

export class MappingError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid field mapping (${problems.length} error${problems.length === 1 ? '' : 's'}):\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'MappingError';
  }
}

function fieldName(alias: string): MappedField | undefined {
  return Object.hasOwn(FIELD_ALIASES, alias) ? FIELD_ALIASES[alias] : undefined;
}
const known = () => Object.keys(FIELD_ALIASES).join(', ');

/** `log=message,technique=attack.technique_id` (the `--map` option) as field -> input key. */
export function parseFieldMap(text: string, where = '--map'): Partial<FieldMapping> {
  const fields: Partial<FieldMapping> = {};
  const problems: string[] = [];
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const eq = part.indexOf('=');
    const [alias, key] = eq < 0 ? [part, ''] : [part.slice(0, eq).trim(), part.slice(eq + 1).trim()];
    const field = fieldName(alias);
    if (!field) problems.push(`${where}: "${alias}" is not a record field; use one of ${known()}`);
    else if (key === '') problems.push(`${where}: "${part}" needs FIELD=COLUMN (e.g. log=message)`);
    else fields[field] = key;
  }
  if (problems.length) throw new MappingError(problems);
  return fields;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** A parsed mapping file (YAML or JSON) checked field by field; every problem names the file and key. */
export function mappingFromObject(value: unknown, file: string): ImportMapping {
  const problems: string[] = [];
  if (!isObject(value)) throw new MappingError([`${file}: expected a mapping with fields:, values:, defaults:`]);
  for (const k of Object.keys(value)) if (!MAPPING_KEYS.includes(k)) problems.push(`${file}: ${k}: unknown key; expected one of ${MAPPING_KEYS.join(', ')}`);
  const fields: Partial<FieldMapping> = {};
  if (value.fields !== undefined && !isObject(value.fields)) problems.push(`${file}: fields: expected FIELD: COLUMN pairs`);
  for (const [alias, key] of Object.entries(isObject(value.fields) ? value.fields : {})) {
    const field = fieldName(alias);
    if (!field) problems.push(`${file}: fields.${alias}: not a record field; use one of ${known()}`);
    else if (typeof key !== 'string' || key === '') problems.push(`${file}: fields.${alias}: expected a column or key name`);
    else fields[field] = key;
  }
  const values: NonNullable<ImportMapping['values']> = {};
  if (value.values !== undefined && !isObject(value.values)) problems.push(`${file}: values: expected FIELD: {INPUT: OURS} maps`);
  for (const [alias, map] of Object.entries(isObject(value.values) ? value.values : {})) {
    const field = fieldName(alias);
    if (!field || !(VALUE_MAPPED_FIELDS as readonly string[]).includes(field)) {
      problems.push(`${file}: values.${alias}: value maps apply to ${VALUE_MAPPED_FIELDS.join(', ')}`);
      continue;
    }
    if (!isObject(map)) {
      problems.push(`${file}: values.${alias}: expected INPUT: OURS pairs`);
      continue;
    }
    const out: Record<string, string> = {};
    for (const [from, to] of Object.entries(map)) {
      if (typeof to !== 'string') problems.push(`${file}: values.${alias}.${from}: expected a string`);
      else if (field === 'threatCategory' && !(THREAT_CATEGORIES as readonly string[]).includes(to)) problems.push(`${file}: values.${alias}.${from}: "${to}" is not a threat category (${THREAT_CATEGORIES.join('|')})`);
      else if (field === 'severity' && !(SEVERITIES as readonly string[]).includes(to)) problems.push(`${file}: values.${alias}.${from}: "${to}" is not a severity (${SEVERITIES.join('|')})`);
      else out[from] = to;
    }
    values[field as ValueMappedField] = out;
  }
  const defaults: Record<string, string> = {};
  if (value.defaults !== undefined && !isObject(value.defaults)) problems.push(`${file}: defaults: expected FIELD: VALUE pairs`);
  for (const [alias, v] of Object.entries(isObject(value.defaults) ? value.defaults : {})) {
    const field = fieldName(alias);
    if (!field || !(DEFAULTABLE as readonly string[]).includes(field)) problems.push(`${file}: defaults.${alias}: defaults apply to ${DEFAULTABLE.join(', ')}`);
    else if (typeof v !== 'string') problems.push(`${file}: defaults.${alias}: expected a string`);
    else defaults[field] = v;
  }
  for (const k of ['unknownReason', 'idPrefix', 'license'] as const) {
    if (value[k] !== undefined && (typeof value[k] !== 'string' || value[k] === '')) problems.push(`${file}: ${k}: expected a non-empty string`);
  }
  if (problems.length) throw new MappingError(problems);
  return {
    fields, values, defaults: defaults as ImportMapping['defaults'],
    ...(typeof value.unknownReason === 'string' ? { unknownReason: value.unknownReason } : {}),
    ...(typeof value.idPrefix === 'string' ? { idPrefix: value.idPrefix } : {}),
    ...(typeof value.license === 'string' ? { license: value.license } : {}),
  };
}

/** A mapping file's fields with `--map` ones on top (the command line wins). */
export function mergeMappings(file: ImportMapping | undefined, fields: Partial<FieldMapping> | undefined): ImportMapping {
  return { ...file, fields: { ...file?.fields, ...fields } };
}
