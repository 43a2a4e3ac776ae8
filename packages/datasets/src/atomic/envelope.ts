import { mulberry32 } from '@opensoc/contracts';

/**
 * Event envelopes for rendered commands: Sysmon EID 1 (Windows and Sysmon for Linux), Security 4688,
 * PowerShell 4104 as wevtutil writes them (one compact <Event> per line), and auth.log sudo lines.
 * Everything here is rendered, not observed: hosts, users, ids, times come from a seeded PRNG.
 */

export interface Context {
  host: string;
  user: string;
  domain: string;
  /** Event time, ISO with microseconds. */
  time: string;
  rand: () => number;
}

const HOSTS_WIN = ['WS-0142', 'WS-0177', 'LAPTOP-7QK2', 'SRV-APP01', 'SRV-FILE02', 'WS-0318'];
const HOSTS_LINUX = ['web-01', 'build-03', 'db-02', 'bastion', 'k8s-node-4'];
const USERS = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace'];

/** FNV-1a of a string: a stable seed for a test's context. */
export function seedOf(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

export function contextFor(key: string, platform: 'windows' | 'linux'): Context {
  const rand = mulberry32(seedOf(key));
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
  const host = pick(platform === 'windows' ? HOSTS_WIN : HOSTS_LINUX);
  const start = Date.UTC(2026, 0, 5) + Math.floor(rand() * 60 * 86_400_000);
  const time = new Date(start).toISOString().replace('Z', `${String(Math.floor(rand() * 1000)).padStart(3, '0')}Z`);
  return { host: platform === 'windows' ? `${host}.corp.example` : host, user: pick(USERS), domain: 'CORP', time, rand };
}

const hex = (rand: () => number, n: number) => Array.from({ length: n }, () => Math.floor(rand() * 16).toString(16)).join('');
const guid = (rand: () => number) => `{${hex(rand, 8)}-${hex(rand, 4)}-${hex(rand, 4)}-${hex(rand, 4)}-${hex(rand, 12)}}`.toUpperCase();
const pid = (rand: () => number) => 1000 + Math.floor(rand() * 30000);
const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const data = (fields: [string, string][]) => fields.map(([k, v]) => `<Data Name="${k}">${xml(v)}</Data>`).join('');

function system(ctx: Context, provider: string, providerGuid: string, eventId: number, channel: string, userId: string, extra = ''): string {
  return `<System><Provider Name="${provider}" Guid="${providerGuid}"/><EventID>${eventId}</EventID><Version>5</Version><Level>4</Level><Task>1</Task><Opcode>0</Opcode><Keywords>0x8000000000000000</Keywords><TimeCreated SystemTime="${ctx.time}"/><EventRecordID>${10000 + Math.floor(ctx.rand() * 900000)}</EventRecordID><Correlation/><Execution ProcessID="${pid(ctx.rand)}" ThreadID="${pid(ctx.rand)}"/><Channel>${channel}</Channel><Computer>${ctx.host}</Computer><Security UserID="${userId}"/>${extra}</System>`;
}

const EVENT_NS = '<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event">';

export interface ProcessSpec {
  image: string;
  commandLine: string;
  parentImage: string;
  parentCommandLine: string;
  currentDirectory: string;
  elevated: boolean;
}

const basenameWin = (p: string) => p.slice(p.lastIndexOf('\\') + 1);

/** Sysmon EID 1's data, Windows and Linux alike (Linux has no OriginalFileName and no integrity levels). */
function sysmonProcessData(ctx: Context, p: ProcessSpec, user: string, windows: boolean): string {
  return data([
    ['RuleName', '-'],
    ['UtcTime', ctx.time.replace('T', ' ').slice(0, 23)],
    ['ProcessGuid', guid(ctx.rand)],
    ['ProcessId', String(pid(ctx.rand))],
    ['Image', p.image],
    ...(windows ? ([['OriginalFileName', basenameWin(p.image)]] as [string, string][]) : []),
    ['CommandLine', p.commandLine],
    ['CurrentDirectory', p.currentDirectory],
    ['User', user],
    ['LogonId', windows ? `0x${hex(ctx.rand, 6)}` : p.elevated ? '0' : '1000'],
    ['IntegrityLevel', windows ? (p.elevated ? 'High' : 'Medium') : 'no level'],
    ['ParentProcessGuid', guid(ctx.rand)],
    ['ParentProcessId', String(pid(ctx.rand))],
    ['ParentImage', p.parentImage],
    ['ParentCommandLine', p.parentCommandLine],
    ['ParentUser', user],
  ]);
}

/** Sysmon EID 1 (process creation) on Windows. */
export function sysmonProcessCreate(ctx: Context, p: ProcessSpec): string {
  const user = p.elevated ? 'NT AUTHORITY\\SYSTEM' : `${ctx.domain}\\${ctx.user}`;
  return `${EVENT_NS}${system(ctx, 'Microsoft-Windows-Sysmon', '{5770385F-C22A-43E0-BF4C-06F5698FFBD9}', 1, 'Microsoft-Windows-Sysmon/Operational', 'S-1-5-18')}<EventData>${sysmonProcessData(ctx, p, user, true)}</EventData></Event>`;
}

/** Security 4688 (a new process has been created), with command-line auditing on. */
export function security4688(ctx: Context, p: ProcessSpec): string {
  return `${EVENT_NS}${system(ctx, 'Microsoft-Windows-Security-Auditing', '{54849625-5478-4994-A5BA-3E3B0328C30D}', 4688, 'Security', '')}<EventData>${data([
    ['SubjectUserSid', 'S-1-5-21-1004336348-1177238915-682003330-1105'],
    ['SubjectUserName', ctx.user],
    ['SubjectDomainName', ctx.domain],
    ['SubjectLogonId', `0x${hex(ctx.rand, 6)}`],
    ['NewProcessId', `0x${pid(ctx.rand).toString(16)}`],
    ['NewProcessName', p.image],
    ['TokenElevationType', p.elevated ? '%%1937' : '%%1938'],
    ['ProcessId', `0x${pid(ctx.rand).toString(16)}`],
    ['CommandLine', p.commandLine],
    ['ParentProcessName', p.parentImage],
    ['MandatoryLabel', p.elevated ? 'S-1-16-12288' : 'S-1-16-8192'],
  ])}</EventData></Event>`.replace('<Security UserID=""/>', '<Security/>');
}

/** PowerShell 4104 (script block logging). */
export function powershell4104(ctx: Context, script: string): string {
  return `${EVENT_NS}${system(ctx, 'Microsoft-Windows-PowerShell', '{A0C1853B-5C40-4B15-8766-3CF1C58F985A}', 4104, 'Microsoft-Windows-PowerShell/Operational', 'S-1-5-21-1004336348-1177238915-682003330-1105')}<EventData>${data([
    ['MessageNumber', '1'],
    ['MessageTotal', '1'],
    ['ScriptBlockText', script],
    ['ScriptBlockId', guid(ctx.rand).slice(1, -1).toLowerCase()],
    ['Path', ''],
  ])}</EventData></Event>`;
}

/** Sysmon for Linux EID 1, as it writes to syslog (the XML part). */
export function linuxSysmonProcessCreate(ctx: Context, p: ProcessSpec): string {
  return `<Event>${system(ctx, 'Linux-Sysmon', '{FF032593-A8D3-4F13-B0D6-01FC615A0F97}', 1, 'Linux-Sysmon/Operational', p.elevated ? '0' : '1000')}<EventData>${sysmonProcessData(ctx, p, p.elevated ? 'root' : ctx.user, false)}</EventData></Event>`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
function syslogStamp(iso: string): string {
  const d = new Date(iso.slice(0, 23) + 'Z');
  return `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${d.toISOString().slice(11, 19)}`;
}

/** An auth.log sudo line for a command run elevated. */
export function sudoLine(ctx: Context, command: string, pwd: string): string {
  return `${syslogStamp(ctx.time)} ${ctx.host} sudo: ${ctx.user.padStart(8)} : TTY=pts/${Math.floor(ctx.rand() * 4)} ; PWD=${pwd} ; USER=root ; COMMAND=${command}`;
}
