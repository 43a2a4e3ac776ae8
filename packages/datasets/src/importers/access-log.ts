import { boundFields, EventParseError, importWith } from './events.ts';
import type { EventImportOptions, ParsedEvent } from './events.ts';
import type { ImportResult } from './generic.ts';
import { numberedLines } from './line-input.ts';

// host ident authuser [date] "request" status bytes ["referer" "user-agent"] (Apache/nginx combined, or common).
const ACCESS = /^(\S+) (\S+) (\S+) \[([^\]]+)\] "((?:[^"\\]|\\.)*)" (\d{3}) (\d+|-)(?: "((?:[^"\\]|\\.)*)" "((?:[^"\\]|\\.)*)")?(.*)$/;
// Some writers leave quotes in the request unescaped: the request then runs to the last `" <status> <bytes>`.
const LOOSE = /^(\S+) (\S+) (\S+) \[([^\]]+)\] "(.*)" (\d{3}) (\d+|-)(?: "([^"]*)" "([^"]*)")?(.*)$/;

/** Parses Apache / nginx access logs (combined or common format); a line in neither is an error. */
export function parseAccessLog(text: string, source = 'apache-access'): ParsedEvent[] {
  return numberedLines(text).map(({ line, text: l }) => {
    const m = ACCESS.exec(l) ?? LOOSE.exec(l);
    if (!m) throw new EventParseError('not an access-log line (expected combined or common log format)', { line, field: 'request' });
    const req = /^(\S+) (\S+)(?: (HTTP\/[\d.]+))?$/.exec(m[5]!);
    const dash = (s: string | undefined) => (s === '-' ? undefined : s);
    return {
      log: l,
      fields: boundFields({ clientIp: m[1], ident: dash(m[2]), user: dash(m[3]), time: m[4], method: req?.[1], url: req?.[2] ?? m[5], protocol: req?.[3], status: m[6], bytes: dash(m[7]), referer: dash(m[8]), userAgent: dash(m[9]), extra: m[10]?.trim() || undefined }),
      source: /nginx/i.test(l) ? 'nginx-access' : source,
      line,
    };
  });
}

export const importAccessLogFile = (path: string, options: EventImportOptions = {}): Promise<ImportResult> => importWith(path, options, 'access-log-importer', (t) => parseAccessLog(t, options.source));
