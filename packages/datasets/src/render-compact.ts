import type { DatasetRecord, LogRendering } from '@opensoc/contracts';
import { parseEventsText } from './importers/event-formats.ts';

/**
 * Compact rendering of a parsed event: the fields an analyst reads first, per channel and event
 * id, as one short line, so a 1,500-character Windows event fits a 256-token prompt. Deterministic:
 * the same fields always give the same text.
 */

interface Profile {
  name: string;
  keys: readonly string[];
}

const PROCESS = ['Image', 'CommandLine', 'ParentImage', 'ParentCommandLine', 'User', 'IntegrityLevel', 'OriginalFileName'];
const SYSMON: Record<string, Profile> = {
  '1': { name: 'process-create', keys: PROCESS },
  '2': { name: 'file-time-changed', keys: ['Image', 'TargetFilename'] },
  '3': { name: 'network-connect', keys: ['Image', 'User', 'Protocol', 'Initiated', 'SourceIp', 'DestinationIp', 'DestinationHostname', 'DestinationPort'] },
  '5': { name: 'process-terminated', keys: ['Image'] },
  '6': { name: 'driver-loaded', keys: ['ImageLoaded', 'Signed', 'Signature'] },
  '7': { name: 'image-loaded', keys: ['Image', 'ImageLoaded', 'Signed', 'Signature'] },
  '8': { name: 'create-remote-thread', keys: ['SourceImage', 'TargetImage', 'StartModule', 'StartFunction'] },
  '10': { name: 'process-access', keys: ['SourceImage', 'TargetImage', 'GrantedAccess'] },
  '11': { name: 'file-create', keys: ['Image', 'TargetFilename'] },
  '12': { name: 'registry-object', keys: ['EventType', 'Image', 'TargetObject'] },
  '13': { name: 'registry-set', keys: ['EventType', 'Image', 'TargetObject', 'Details'] },
  '14': { name: 'registry-rename', keys: ['EventType', 'Image', 'TargetObject', 'NewName'] },
  '15': { name: 'file-stream', keys: ['Image', 'TargetFilename'] },
  '17': { name: 'pipe-created', keys: ['Image', 'PipeName'] },
  '18': { name: 'pipe-connected', keys: ['Image', 'PipeName'] },
  '19': { name: 'wmi-filter', keys: ['Operation', 'User', 'Name', 'Query'] },
  '20': { name: 'wmi-consumer', keys: ['Operation', 'User', 'Name', 'Type', 'Destination'] },
  '21': { name: 'wmi-binding', keys: ['Operation', 'User', 'Consumer', 'Filter'] },
  '22': { name: 'dns-query', keys: ['Image', 'QueryName', 'QueryResults'] },
  '23': { name: 'file-delete', keys: ['Image', 'User', 'TargetFilename'] },
  '25': { name: 'process-tampering', keys: ['Image', 'Type'] },
  '26': { name: 'file-delete-detected', keys: ['Image', 'User', 'TargetFilename'] },
};
const LOGON = ['TargetUserName', 'TargetDomainName', 'LogonType', 'IpAddress', 'WorkstationName', 'Status', 'SubStatus', 'FailureReason', 'AuthenticationPackageName', 'ProcessName'];
const ACCOUNT = ['TargetUserName', 'TargetDomainName', 'MemberName', 'SubjectUserName'];
const WINDOWS: Record<string, Profile> = {
  '4688': { name: 'process-create', keys: ['NewProcessName', 'CommandLine', 'ParentProcessName', 'SubjectUserName', 'TokenElevationType'] },
  '4624': { name: 'logon', keys: LOGON },
  '4625': { name: 'logon-failed', keys: LOGON },
  '4634': { name: 'logoff', keys: ['TargetUserName', 'LogonType'] },
  '4648': { name: 'explicit-credential-logon', keys: ['SubjectUserName', 'TargetUserName', 'TargetServerName', 'ProcessName', 'IpAddress'] },
  '4672': { name: 'special-privileges', keys: ['SubjectUserName', 'PrivilegeList'] },
  '4697': { name: 'service-installed', keys: ['ServiceName', 'ServiceFileName', 'ServiceType', 'ServiceStartType', 'ServiceAccount', 'SubjectUserName'] },
  '7045': { name: 'service-installed', keys: ['ServiceName', 'ImagePath', 'ServiceType', 'StartType', 'AccountName'] },
  '7036': { name: 'service-state', keys: ['param1', 'param2'] },
  '7040': { name: 'service-start-type', keys: ['param1', 'param2', 'param3'] },
  '4698': { name: 'task-created', keys: ['TaskName', 'TaskContent', 'SubjectUserName'] },
  '4699': { name: 'task-deleted', keys: ['TaskName', 'SubjectUserName'] },
  '4702': { name: 'task-updated', keys: ['TaskName', 'TaskContentNew', 'SubjectUserName'] },
  '4720': { name: 'user-created', keys: ACCOUNT },
  '4722': { name: 'user-enabled', keys: ACCOUNT },
  '4724': { name: 'password-reset', keys: ACCOUNT },
  '4726': { name: 'user-deleted', keys: ACCOUNT },
  '4728': { name: 'group-member-added', keys: ACCOUNT },
  '4732': { name: 'group-member-added', keys: ACCOUNT },
  '4756': { name: 'group-member-added', keys: ACCOUNT },
  '4768': { name: 'kerberos-tgt', keys: ['TargetUserName', 'IpAddress', 'TicketEncryptionType', 'PreAuthType', 'Status'] },
  '4769': { name: 'kerberos-service-ticket', keys: ['TargetUserName', 'ServiceName', 'IpAddress', 'TicketEncryptionType', 'Status'] },
  '4776': { name: 'credential-validation', keys: ['TargetUserName', 'Workstation', 'Status'] },
  '5140': { name: 'share-access', keys: ['SubjectUserName', 'ShareName', 'IpAddress'] },
  '5145': { name: 'share-object-access', keys: ['SubjectUserName', 'ShareName', 'RelativeTargetName', 'IpAddress', 'AccessList'] },
  '4657': { name: 'registry-value-modified', keys: ['ObjectName', 'ObjectValueName', 'NewValue', 'ProcessName'] },
  '4663': { name: 'object-access', keys: ['ObjectName', 'ProcessName', 'AccessList', 'SubjectUserName'] },
  '1102': { name: 'audit-log-cleared', keys: ['SubjectUserName'] },
  '104': { name: 'log-cleared', keys: ['SubjectUserName', 'Channel'] },
  '4104': { name: 'script-block', keys: ['ScriptBlockText', 'Path'] },
  '4103': { name: 'pipeline-execution', keys: ['Payload', 'ContextInfo'] },
  '400': { name: 'engine-start', keys: ['HostApplication', 'Data', 'Data1', 'Data2', 'Data3'] },
  '800': { name: 'pipeline-details', keys: ['HostApplication', 'Data', 'Data1', 'Data2'] },
};
const HEADER = new Set(['EventID', 'Channel', 'Provider', 'Computer', 'TimeCreated', 'Level', 'UserID', 'Message']);

/** Values that carry no signal for classification: GUIDs, SIDs, hex flags, hashes, placeholders. */
const NOISE_VALUE = /^(\{?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}?|S-1-[\d-]+|0x[0-9a-f]+|-|%%\d+|(MD5|SHA1|SHA256|IMPHASH)=.*)$/i;
const NOISE_KEY = /(Guid|Sid|Id|Hashes|Keywords|UtcTime|Time|RecordNumber|Version|Task|Opcode|Qualifiers|Correlation|Execution|Thread|RuleName|MessageNumber|MessageTotal|LogonId)$/;

export interface CompactOptions {
  /** Longest value kept, in characters (longer ones keep their start and end). Default 300. */
  maxValueChars?: number;
}

function clip(v: string, max: number): string {
  const one = v.replace(/\s+/g, ' ').trim();
  if (one.length <= max) return one;
  const head = Math.ceil((max - 1) * 0.7);
  return `${one.slice(0, head)}…${one.slice(one.length - (max - 1 - head))}`;
}

const quote = (v: string) => (/[\s"=]/.test(v) ? JSON.stringify(v) : v);

/** Chosen keys keep any value but a placeholder (a hex GrantedAccess or Status is the point). */
function pairs(fields: Record<string, string>, keys: readonly string[], max: number): string {
  return keys
    .filter((k) => fields[k] !== undefined && fields[k]!.trim() !== '' && fields[k] !== '-')
    .map((k) => `${k}=${quote(clip(fields[k]!, max))}`)
    .join(' ');
}

/** Every field that is not header or noise, in a stable (sorted) order. */
function residual(fields: Record<string, string>, skip: ReadonlySet<string>): string[] {
  return Object.keys(fields)
    .filter((k) => !skip.has(k) && !HEADER.has(k) && !NOISE_KEY.test(k) && !NOISE_VALUE.test(fields[k]!))
    .sort();
}

function renderWindows(fields: Record<string, string>, source: string, max: number): string {
  const id = fields.EventID!;
  const sysmon = source === 'sysmon' || /sysmon/i.test(`${fields.Channel ?? ''} ${fields.Provider ?? ''}`);
  const profile = (sysmon ? SYSMON[id] : undefined) ?? WINDOWS[id];
  const channel = sysmon ? 'sysmon' : (fields.Channel ?? source).replace(/^Microsoft-Windows-/, '').replace(/\/Operational$/, '');
  const keys = profile?.keys ?? residual(fields, new Set());
  const body = pairs(fields, keys, max);
  const host = fields.Computer ? ` host=${fields.Computer}` : '';
  return `[${channel} ${id}${profile ? ` ${profile.name}` : ''}]${host} ${body}`.trim();
}

const OTHER: Record<string, readonly string[]> = {
  access: ['clientIp', 'user', 'method', 'url', 'status', 'bytes', 'userAgent'],
  cloudtrail: ['eventSource', 'eventName', 'userIdentity.type', 'userIdentity.arn', 'userIdentity.userName', 'sourceIPAddress', 'userAgent', 'errorCode', 'requestParameters'],
  auth: ['host', 'program', 'sshEvent', 'user', 'sourceIp', 'targetUser', 'command', 'accountChange', 'message'],
};

/** One short line for a parsed event (fields as the importers produce them). */
export function renderCompact(event: { fields: Record<string, string>; source: string }, options: CompactOptions = {}): string {
  const max = options.maxValueChars ?? 300;
  const f = event.fields;
  if (f.EventID !== undefined && /^\d+$/.test(f.EventID)) return renderWindows(f, event.source, max);
  if (f.method !== undefined && f.status !== undefined) return `[${event.source}] ${pairs(f, OTHER.access!, max)}`;
  if (f.eventName !== undefined && f.eventSource !== undefined) return `[cloudtrail] ${pairs(f, OTHER.cloudtrail!, max)}`;
  if (f.program !== undefined) return `[${event.source}] ${pairs(f, OTHER.auth!, max)}`;
  const keys = residual(f, new Set(['ts', 'uid']));
  return `[${event.source}] ${pairs(f, keys, max)}`.trim();
}

/**
 * The compact rendering of a raw log (one line per event, a run of identical lines written once
 * with its count), or the log itself when no supported format parses it.
 */
export function renderCompactLog(log: string, options: CompactOptions = {}): string {
  const events = parseEventsText(log);
  if (events.length === 0) return log;
  const out: string[] = [];
  let last = '';
  let run = 0;
  const flush = () => run > 0 && out.push(run > 1 ? `${last} (x${run})` : last);
  for (const ev of events) {
    const line = renderCompact(ev, options);
    if (line === last) run++;
    else {
      flush();
      last = line;
      run = 1;
    }
  }
  flush();
  return out.join('\n');
}

/**
 * The text a method sees for a record under a sweep's `logRendering`: the raw log, or the compact
 * rendering of its parsed fields (of its log parsed again when it has none; unparsed logs stay raw).
 */
export function recordText(record: Pick<DatasetRecord, 'log' | 'fields' | 'source'>, rendering: LogRendering = 'raw'): string {
  if (rendering === 'raw') return record.log;
  return record.fields && Object.keys(record.fields).length > 0 ? renderCompact({ fields: record.fields, source: record.source }) : renderCompactLog(record.log);
}

/** Records with their log replaced by the rendering's text (ids and labels unchanged); raw returns them as they are. */
export function renderRecords<R extends Pick<DatasetRecord, 'log' | 'fields' | 'source'>>(records: readonly R[], rendering: LogRendering = 'raw'): R[] {
  return rendering === 'raw' ? [...records] : records.map((r) => ({ ...r, log: recordText(r, rendering) }));
}
