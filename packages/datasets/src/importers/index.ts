/**
 * The importer registry: format name -> importer. `opensoc dataset import --format NAME` looks
 * formats up here, so a new format (Windows event XML, syslog, CloudTrail, Zeek ...) is one
 * module that calls registerImporter (and is imported below); the CLI does not change.
 */
import type { AttackTable } from '../attack.ts';
import type { UnknownTechniquePolicy } from '../validate.ts';
import { importCsvFile, importJsonlFile, type FieldMapping, type GenericImportOptions, type ImportResult } from './generic.ts';
import { EVENT_IMPORTERS, type EventFormat } from './event-formats.ts';
import type { EventImportOptions } from './events.ts';
import { MappingError, type ImportMapping } from './mapping.ts';
import { importOpenSocAiFile } from './opensoc-ai.ts';

export interface ImportRequest {
  /** Field mapping, value maps and defaults (`--map`, `--map-file`); formats with a fixed layout take none. */
  mapping?: ImportMapping;
  attack?: AttackTable;
  onUnknownTechnique?: UnknownTechniquePolicy;
  /** Per-event labels in a sidecar JSON file (SOC export formats; see events.ts). */
  sidecar?: string;
  /** Name used in messages and provenance; default the file's base name. */
  displayName?: string;
  maxErrors?: number;
}

export interface Importer {
  format: string;
  description: string;
  /** 'required': the user maps fields (at least log); 'optional': the format has defaults; 'none': a fixed layout. */
  mapping: 'required' | 'optional' | 'none';
  import(path: string, request: ImportRequest): Promise<ImportResult>;
}

const registry = new Map<string, Importer>();

export function registerImporter(importer: Importer): void {
  if (registry.has(importer.format)) throw new Error(`importer for format ${importer.format} is already registered`);
  registry.set(importer.format, importer);
}

export const importerFormats = (): string[] => [...registry.keys()];

export function getImporter(format: string): Importer {
  const importer = registry.get(format);
  if (!importer) throw new MappingError([`--format: unknown format "${format}"; known: ${importerFormats().join(', ')}`]);
  return importer;
}

/** Generic options from a request, for importers built on the field-mapping path. */
export function genericOptions(request: ImportRequest, defaultFields: Partial<FieldMapping> = {}): GenericImportOptions {
  const m = request.mapping;
  const fields = { ...defaultFields, ...m?.fields };
  if (!fields.log) throw new MappingError(['--map: map the log text, e.g. --map log=message (a column, or a dotted key like event.message)']);
  return {
    mapping: fields as FieldMapping, valueMaps: m?.values, defaults: m?.defaults, unknownReason: m?.unknownReason, idPrefix: m?.idPrefix, license: m?.license,
    attack: request.attack, onUnknownTechnique: request.onUnknownTechnique, displayName: request.displayName, maxErrors: request.maxErrors,
  };
}

registerImporter({
  format: 'opensoc-ai',
  description: "the OpenSOC-AI study's JSON arrays of {instruction, input, output} (threat types mapped onto the taxonomy, originals kept)",
  mapping: 'none',
  async import(path, request) {
    if (request.mapping && Object.keys(request.mapping.fields).length > 0) throw new MappingError(['--map: the opensoc-ai format has a fixed layout and takes no field mapping']);
    const r = await importOpenSocAiFile(path, { attack: request.attack, displayName: request.displayName });
    return { records: r.records, errors: r.errors, warnings: r.warnings, errorCount: r.errors.length };
  },
});

registerImporter({
  format: 'jsonl',
  description: 'one JSON object per line; fields mapped by key (dotted paths reach into nested objects)',
  mapping: 'required',
  import: async (path, request) => importJsonlFile(path, genericOptions(request)),
});

registerImporter({
  format: 'csv',
  description: 'CSV with a header row (RFC 4180); fields mapped by column name',
  mapping: 'required',
  import: async (path, request) => importCsvFile(path, genericOptions(request)),
});

const EVENT_DESCRIPTIONS: Record<EventFormat, string> = {
  'windows-xml': 'Windows event XML (wevtutil / Event Viewer export)',
  'windows-json': 'Windows events as JSON lines (winlogbeat, EVTX-to-JSON)',
  syslog: 'syslog lines (RFC 3164 / 5424)',
  'auth-log': 'Linux auth.log (syslog lines from sshd, sudo, ...)',
  'access-log': 'web server access logs (common / combined format)',
  cloudtrail: 'AWS CloudTrail JSON ({"Records": [...]})',
  zeek: 'Zeek logs (TSV with #fields, or JSON lines)',
};

/** SOC export formats parse events themselves; the mapping names parsed fields that hold labels. */
for (const [format, importFile] of Object.entries(EVENT_IMPORTERS) as [EventFormat, (typeof EVENT_IMPORTERS)[EventFormat]][]) {
  registerImporter({
    format,
    description: EVENT_DESCRIPTIONS[format],
    mapping: 'optional',
    async import(path, request) {
      const m = request.mapping;
      const labelKeys = ['threatCategory', 'threatType', 'mitreTechnique', 'mitreTactic', 'severity'] as const;
      const other = Object.keys(m?.fields ?? {}).filter((k) => !(labelKeys as readonly string[]).includes(k));
      if (other.length > 0) throw new MappingError([`--map: the ${format} format parses ${other.join(', ')} itself; map only label fields (${labelKeys.join(', ')})`]);
      const pick = <T extends object>(o: T | undefined) => Object.fromEntries(labelKeys.filter((k) => o && (o as Record<string, unknown>)[k] !== undefined).map((k) => [k, String((o as Record<string, unknown>)[k])]));
      const options: EventImportOptions = {
        labelFields: pick(m?.fields), defaults: pick(m?.defaults), source: m?.defaults?.source, sidecar: request.sidecar,
        idPrefix: m?.idPrefix, license: m?.license, attack: request.attack, displayName: request.displayName, maxErrors: request.maxErrors,
      };
      return importFile(path, options);
    },
  });
}
