import { boundFields, EventParseError, importWith } from './events.ts';
import type { EventImportOptions, ParsedEvent } from './events.ts';
import type { ImportResult } from './generic.ts';
import { at, flatten, isObject, readJsonItems } from './json-input.ts';

const records = (doc: unknown) => (isObject(doc) && Array.isArray(doc.Records) ? doc.Records : undefined);

const KEPT = ['eventName', 'eventSource', 'awsRegion', 'sourceIPAddress', 'userAgent', 'eventType', 'eventTime', 'errorCode', 'errorMessage', 'recipientAccountId', 'readOnly', 'eventCategory'];

/** Parses AWS CloudTrail: a log file ({"Records": [...]}), an array of events, or event JSON lines. */
export function parseCloudTrail(text: string): ParsedEvent[] {
  return readJsonItems(text, records).map((it) => {
    const e = it.value;
    if (!isObject(e)) throw new EventParseError('expected a CloudTrail event object', at(it));
    for (const field of ['eventName', 'eventSource'] as const) if (typeof e[field] !== 'string') throw new EventParseError('is required (a string)', { ...at(it), field });
    const fields: Record<string, string | undefined> = {};
    for (const k of KEPT) if (e[k] !== undefined && e[k] !== null) fields[k] = String(e[k]);
    if (isObject(e.userIdentity)) for (const [k, v] of Object.entries(flatten(e.userIdentity, 'userIdentity'))) if (!k.includes('sessionContext.attributes')) fields[k] = v;
    for (const k of ['requestParameters', 'responseElements'] as const) if (isObject(e[k])) fields[k] = JSON.stringify(e[k]);
    return { log: it.raw, fields: boundFields(fields), source: 'cloudtrail', ...at(it) };
  });
}

export const importCloudTrailFile = (path: string, options: EventImportOptions = {}): Promise<ImportResult> => importWith(path, options, 'cloudtrail-importer', parseCloudTrail);
