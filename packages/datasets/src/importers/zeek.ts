import { boundFields, EventParseError, importWith } from './events.ts';
import type { EventImportOptions, ParsedEvent } from './events.ts';
import type { ImportResult } from './generic.ts';
import { at, flatten, isObject, readJsonItems } from './json-input.ts';
import { numberedLines } from './line-input.ts';

/** Zeek's log path from the keys of a JSON event (its JSON writer does not name the log). */
function guessPath(keys: Set<string>): string {
  if (keys.has('query') && keys.has('qtype_name')) return 'dns';
  if (keys.has('method') && keys.has('uri')) return 'http';
  if (keys.has('server_name') || keys.has('ja3')) return 'ssl';
  if (keys.has('auth_success') || keys.has('client') && keys.has('server') && keys.has('auth_attempts')) return 'ssh';
  if (keys.has('note') && keys.has('msg')) return 'notice';
  if (keys.has('conn_state') || keys.has('orig_bytes')) return 'conn';
  if (keys.has('fuid') && keys.has('mime_type')) return 'files';
  return 'log';
}

function parseTsv(text: string, path?: string): ParsedEvent[] {
  let sep = '\t';
  let fieldNames: string[] | undefined;
  let logPath = path;
  let unset = '-';
  let empty = '(empty)';
  const events: ParsedEvent[] = [];
  for (const { line, text: l } of numberedLines(text)) {
    if (l.startsWith('#')) {
      const [key, ...rest] = l.slice(1).split(key0(l));
      const value = rest.join(sep);
      if (key === 'separator') sep = value.replace(/\\x([0-9a-f]{2})/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
      else if (key === 'fields') fieldNames = value.split(sep);
      else if (key === 'path') logPath ??= value;
      else if (key === 'unset_field') unset = value;
      else if (key === 'empty_field') empty = value;
      continue;
    }
    if (!fieldNames) throw new EventParseError('data line before the #fields header', { line, field: '#fields' });
    const values = l.split(sep);
    // The field named is the first one without a value (or the first extra value's position).
    if (values.length !== fieldNames.length) throw new EventParseError(`line has ${values.length} values, #fields names ${fieldNames.length}`, { line, field: fieldNames[values.length] ?? `#${fieldNames.length + 1}` });
    const fields: Record<string, string | undefined> = {};
    fieldNames.forEach((n, i) => {
      const v = values[i]!;
      fields[n] = v === unset || v === empty ? undefined : v;
    });
    events.push({ log: l, fields: boundFields(fields), source: `zeek-${logPath ?? 'log'}`, line });
  }
  return events;

  // Header lines separate key and value with the separator; #separator itself with a space.
  function key0(l: string): string {
    return l.startsWith('#separator') ? ' ' : sep;
  }
}

/** Parses Zeek logs: TSV with its #fields header, or JSON lines; `path` (conn, dns, http, ...) names the log. */
export function parseZeek(text: string, path?: string): ParsedEvent[] {
  if (text.trimStart().startsWith('#')) return parseTsv(text, path);
  return readJsonItems(text).map((it) => {
    if (!isObject(it.value)) throw new EventParseError('expected a JSON object', at(it));
    const flat = flatten(it.value);
    if (flat.ts === undefined) throw new EventParseError('is required', { ...at(it), field: 'ts' });
    return { log: it.raw, fields: boundFields(flat), source: `zeek-${path ?? guessPath(new Set(Object.keys(flat)))}`, ...at(it) };
  });
}

export const importZeekFile = (path: string, options: EventImportOptions & { zeekPath?: string } = {}): Promise<ImportResult> => importWith(path, options, 'zeek-importer', (t) => parseZeek(t, options.zeekPath));
