import { boundFields, EventParseError, importWith } from './events.ts';
import type { EventImportOptions, ParsedEvent } from './events.ts';
import type { ImportResult } from './generic.ts';
import { at, flatten, isObject, readJsonItems } from './json-input.ts';
import type { JsonItem } from './json-input.ts';
import { windowsFields, windowsSource } from './windows-common.ts';
import type { WindowsHeader } from './windows-common.ts';

const str = (v: unknown): string | undefined => (v === undefined || v === null ? undefined : typeof v === 'object' ? JSON.stringify(v) : String(v));
const attr = (v: unknown, name: string): string | undefined => (isObject(v) && isObject(v['#attributes']) ? str(v['#attributes'][name]) : undefined);
/** evtx_dump writes `{"#text": 1, "#attributes": {...}}` for elements with attributes. */
const textOf = (v: unknown): string | undefined => (isObject(v) ? str(v['#text']) : str(v));

/** ECS keys Winlogbeat fills itself; anything else at the top level was added by the shipper (tags, labels). */
const ECS_OWN = new Set(['@timestamp', '@metadata', 'winlog', 'event', 'host', 'agent', 'ecs', 'log', 'message', 'process', 'user', 'related']);

/** Winlogbeat / Elastic Agent (ECS): the event under `winlog`, the event data under `winlog.event_data`. */
function fromWinlogbeat(o: Record<string, unknown>): { header: WindowsHeader; data: Record<string, unknown> } {
  const w = o.winlog as Record<string, unknown>;
  const extra: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (!ECS_OWN.has(k)) extra[k] = v;
  const host = isObject(o.host) ? o.host : {};
  const event = isObject(o.event) ? o.event : {};
  return {
    header: { EventID: str(w.event_id ?? event.code), Channel: str(w.channel), Provider: str(w.provider_name), Computer: str(w.computer_name ?? host.name), TimeCreated: str(o['@timestamp']), UserID: isObject(w.user) ? str(w.user.identifier) : undefined },
    data: { ...(isObject(w.event_data) ? w.event_data : {}), ...(isObject(w.user_data) ? w.user_data : {}), ...(typeof o.message === 'string' ? { Message: o.message } : {}), ...flatten(extra) },
  };
}

/** NXLog's im_msvistalog to_json(): flat, header and event data side by side. */
const NXLOG_HEADER = new Set(['EventID', 'Channel', 'SourceName', 'ProviderName', 'Hostname', 'EventTime', 'EventReceivedTime', 'Severity', 'SeverityValue', 'UserID', 'Keywords', 'ProviderGuid', 'Version', 'Task', 'OpcodeValue', 'RecordNumber', 'ExecutionProcessID', 'ExecutionThreadID', 'SourceModuleName', 'SourceModuleType', 'EventType', 'Opcode', 'Category', 'AccountType', 'Domain', 'AccountName']);
function fromNxlog(o: Record<string, unknown>): { header: WindowsHeader; data: Record<string, unknown> } {
  const data: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (!NXLOG_HEADER.has(k)) data[k] = v;
  return { header: { EventID: str(o.EventID), Channel: str(o.Channel), Provider: str(o.ProviderName ?? o.SourceName), Computer: str(o.Hostname), TimeCreated: str(o.EventTime), Level: str(o.SeverityValue), UserID: str(o.UserID) }, data };
}

/** EVTX converted to JSON by evtx_dump (SigmaHQ's regression data): `{"Event": {"System": ..., "EventData": ...}}`. */
function fromEvtxJson(o: Record<string, unknown>): { header: WindowsHeader; data: Record<string, unknown> } {
  const e = o.Event as Record<string, unknown>;
  const s = isObject(e.System) ? e.System : {};
  const data: Record<string, unknown> = {};
  for (const block of [e.EventData, e.UserData]) {
    if (!isObject(block)) continue;
    for (const [k, v] of Object.entries(block)) {
      if (k === '#attributes') continue;
      // UserData nests one element (e.g. LogFileCleared) holding the fields.
      if (isObject(v) && block === e.UserData) {
        for (const [k2, v2] of Object.entries(v)) if (k2 !== '#attributes') data[k2] = v2;
      } else data[k] = v;
    }
  }
  return {
    header: { EventID: textOf(s.EventID), Channel: str(s.Channel), Provider: attr(s.Provider, 'Name'), Computer: str(s.Computer), TimeCreated: attr(s.TimeCreated, 'SystemTime'), Level: str(s.Level), UserID: attr(s.Security, 'UserID') },
    data,
  };
}

function toEvent(it: JsonItem): ParsedEvent {
  const o = it.value;
  if (!isObject(o)) throw new EventParseError('expected a JSON object', at(it));
  const { header, data } = isObject(o.winlog) ? fromWinlogbeat(o) : isObject(o.Event) ? fromEvtxJson(o) : fromNxlog(o);
  if (header.EventID === undefined) throw new EventParseError('no event id (winlog.event_id, EventID or Event.System.EventID)', { ...at(it), field: 'EventID' });
  if (!/^\d+$/.test(header.EventID)) throw new EventParseError(`EventID "${header.EventID}" is not a number`, { ...at(it), field: 'EventID' });
  return { log: it.raw, fields: boundFields(windowsFields(header, data)), source: windowsSource(header.Channel, header.Provider), ...at(it) };
}

/** Parses Windows events as JSON (lines, an array, or one document): Winlogbeat/ECS, NXLog or evtx_dump. */
export const parseWindowsJson = (text: string): ParsedEvent[] => readJsonItems(text).map(toEvent);

export const importWindowsJsonFile = (path: string, options: EventImportOptions = {}): Promise<ImportResult> => importWith(path, options, 'windows-json-importer', parseWindowsJson);
