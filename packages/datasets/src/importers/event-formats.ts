import { importAccessLogFile, parseAccessLog } from './access-log.ts';
import { importCloudTrailFile, parseCloudTrail } from './cloudtrail.ts';
import type { EventImporter, ParsedEvent } from './events.ts';
import { importSyslogFile, parseSyslog } from './syslog.ts';
import { importWindowsJsonFile, parseWindowsJson } from './windows-json.ts';
import { importWindowsXmlFile, parseWindowsXml } from './windows-xml.ts';
import { importZeekFile, parseZeek } from './zeek.ts';

/** The SOC export formats, by the name `--format` takes; each importer has the same signature. */
export const EVENT_IMPORTERS = {
  'windows-xml': importWindowsXmlFile,
  'windows-json': importWindowsJsonFile,
  syslog: importSyslogFile,
  'auth-log': importSyslogFile,
  'access-log': importAccessLogFile,
  cloudtrail: importCloudTrailFile,
  zeek: importZeekFile,
} as const satisfies Record<string, EventImporter>;
export type EventFormat = keyof typeof EVENT_IMPORTERS;
export const EVENT_FORMATS = Object.keys(EVENT_IMPORTERS) as EventFormat[];

const tryParse = (parse: () => ParsedEvent[]): ParsedEvent[] | undefined => {
  try {
    const events = parse();
    return events.length > 0 ? events : undefined;
  } catch {
    return undefined;
  }
};

/**
 * A burst whose lines mostly parse (one cut short, say): the lines that do, when they are at least
 * half of them and all of one format.
 */
function mostLines(t: string): ParsedEvent[] {
  const lines = t.split('\n').filter((l) => l.trim() !== '');
  if (lines.length < 2) return [];
  for (const parse of [parseAccessLog, parseSyslog]) {
    const events = lines.flatMap((l) => tryParse(() => parse(l)) ?? []);
    if (events.length * 2 >= lines.length) return events;
  }
  return [];
}

/** `Key: value` lines (the study's and the generated corpus's Windows event blocks). */
function keyValueBlock(log: string): ParsedEvent | undefined {
  const fields: Record<string, string> = {};
  for (const line of log.split('\n')) {
    const m = /^\s*([A-Za-z][\w .-]{0,40}?)\s*[:=]\s*(.*)$/.exec(line);
    if (m) fields[m[1]!.replace(/\s+/g, '')] = m[2]!.trim();
  }
  if (fields.EventCode && !fields.EventID) fields.EventID = fields.EventCode;
  return fields.EventID && /^\d+$/.test(fields.EventID) ? { log, fields, source: 'windows-event' } : undefined;
}

/**
 * Parses a raw log of any supported format into its events and their fields (for classifiers
 * that see only the text, such as the Sigma baseline): one event for most logs, several for a
 * burst of syslog or access lines; empty when no format fits.
 */
export function parseEventsText(log: string): ParsedEvent[] {
  const t = log.trim();
  if (t.startsWith('<')) return tryParse(() => parseWindowsXml(t)) ?? [];
  if (t.startsWith('{')) {
    let o: Record<string, unknown>;
    try {
      o = JSON.parse(t) as Record<string, unknown>;
    } catch {
      return [];
    }
    if ('eventSource' in o && 'eventName' in o) return tryParse(() => parseCloudTrail(t)) ?? [];
    if ('winlog' in o || 'Event' in o || 'EventID' in o) return tryParse(() => parseWindowsJson(t)) ?? [];
    if ('ts' in o) return tryParse(() => parseZeek(t)) ?? [];
    return [];
  }
  const kv = keyValueBlock(t);
  return tryParse(() => parseAccessLog(t)) ?? tryParse(() => parseSyslog(t)) ?? (kv ? [kv] : mostLines(t));
}

/** The event of a single-event log, undefined when the text is not one event of a supported format. */
export function parseEventText(log: string): ParsedEvent | undefined {
  const events = parseEventsText(log);
  return events.length === 1 ? events[0] : undefined;
}
