import { boundFields, EventParseError, importWith } from './events.ts';
import type { EventImportOptions, ParsedEvent } from './events.ts';
import type { ImportResult } from './generic.ts';
import { windowsFields, windowsSource } from './windows-common.ts';
import { child, localName, parseXmlElements, XmlError } from './xml.ts';
import type { XmlElement } from './xml.ts';

/** Leaf elements of a UserData block, by local name (e.g. a 1102 event's SubjectUserName). */
function leaves(el: XmlElement, out: Record<string, string>): Record<string, string> {
  for (const c of el.children) {
    if (c.children.length === 0) out[localName(c.name)] ??= c.text.trim();
    else leaves(c, out);
  }
  return out;
}

function parseEvent(ev: XmlElement, text: string): ParsedEvent {
  const system = child(ev, 'System');
  if (!system) throw new EventParseError('event has no <System> block', { line: ev.line, field: 'System' });
  const eventId = child(system, 'EventID')?.text.trim();
  if (!eventId || !/^\d+$/.test(eventId)) throw new EventParseError(eventId ? `EventID "${eventId}" is not a number` : 'event has no EventID', { line: ev.line, field: 'EventID' });
  const provider = child(system, 'Provider')?.attrs.Name;
  const channel = child(system, 'Channel')?.text.trim();
  const data: Record<string, string> = {};
  const eventData = child(ev, 'EventData');
  let unnamed = 0;
  for (const d of eventData?.children ?? []) {
    if (localName(d.name) !== 'Data') continue;
    data[d.attrs.Name ?? `Data${++unnamed}`] = d.text;
  }
  const userData = child(ev, 'UserData');
  if (userData) leaves(userData, data);
  const message = child(child(ev, 'RenderingInfo') ?? ev, 'Message')?.text.trim();
  const header = {
    EventID: eventId,
    Channel: channel,
    Provider: provider,
    Computer: child(system, 'Computer')?.text.trim(),
    TimeCreated: child(system, 'TimeCreated')?.attrs.SystemTime,
    Level: child(system, 'Level')?.text.trim(),
    UserID: child(system, 'Security')?.attrs.UserID,
  };
  return { log: text.slice(ev.start, ev.end), fields: boundFields({ ...windowsFields(header, data), ...(message ? { Message: message } : {}) }), source: windowsSource(channel, provider), line: ev.line };
}

/** Parses Windows events exported as XML (`wevtutil qe /f:xml`, or EVTX saved as XML, with or without an <Events> root). */
export function parseWindowsXml(text: string): ParsedEvent[] {
  let roots: XmlElement[];
  try {
    roots = parseXmlElements(text);
  } catch (e) {
    if (e instanceof XmlError) throw new EventParseError(`malformed XML: ${e.message}`, { line: e.line });
    throw e;
  }
  const events = roots.flatMap((r) => (localName(r.name) === 'Events' ? r.children : [r]));
  return events.map((ev) => {
    if (localName(ev.name) !== 'Event') throw new EventParseError(`expected <Event>, found <${ev.name}>`, { line: ev.line });
    return parseEvent(ev, text);
  });
}

export const importWindowsXmlFile = (path: string, options: EventImportOptions = {}): Promise<ImportResult> => importWith(path, options, 'windows-xml-importer', parseWindowsXml);
