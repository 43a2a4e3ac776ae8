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

const tryParse = (parse: () => ParsedEvent[]): ParsedEvent | undefined => {
  try {
    const events = parse();
    return events.length === 1 ? events[0] : undefined;
  } catch {
    return undefined;
  }
};

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
 * Parses one raw log of any supported format into its fields (for classifiers that see only the
 * text, such as the Sigma baseline); undefined when no format fits.
 */
export function parseEventText(log: string): ParsedEvent | undefined {
  const t = log.trim();
  if (t.startsWith('<')) return tryParse(() => parseWindowsXml(t));
  if (t.startsWith('{')) {
    let o: Record<string, unknown>;
    try {
      o = JSON.parse(t) as Record<string, unknown>;
    } catch {
      return undefined;
    }
    if ('eventSource' in o && 'eventName' in o) return tryParse(() => parseCloudTrail(t));
    if ('winlog' in o || 'Event' in o || 'EventID' in o) return tryParse(() => parseWindowsJson(t));
    if ('ts' in o) return tryParse(() => parseZeek(t));
    return undefined;
  }
  return tryParse(() => parseAccessLog(t)) ?? tryParse(() => parseSyslog(t)) ?? keyValueBlock(t);
}
