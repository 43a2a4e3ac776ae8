/** What a Sigma rule's logsource is compared with: the product, services and categories an event belongs to. */
export interface SigmaEvent {
  product: string;
  services: readonly string[];
  categories: readonly string[];
  /** Field lookup (exact name, then aliases, then case-insensitive). */
  get(field: string): string | undefined;
  /** Text searched by keyword detections. */
  text: string;
}

export interface ParsedLike {
  fields: Record<string, string>;
  source: string;
  log: string;
}

const SYSMON_CATEGORIES: Record<string, readonly string[]> = {
  '1': ['process_creation'],
  '2': ['file_change'],
  '3': ['network_connection'],
  '5': ['process_termination'],
  '6': ['driver_load'],
  '7': ['image_load'],
  '8': ['create_remote_thread'],
  '9': ['raw_access_thread'],
  '10': ['process_access'],
  '11': ['file_event'],
  '12': ['registry_event'],
  '13': ['registry_event', 'registry_set'],
  '14': ['registry_event', 'registry_rename'],
  '15': ['create_stream_hash'],
  '17': ['pipe_created'],
  '18': ['pipe_created'],
  '19': ['wmi_event'],
  '20': ['wmi_event'],
  '21': ['wmi_event'],
  '22': ['dns_query'],
  '23': ['file_delete'],
  '25': ['process_tampering'],
  '26': ['file_delete'],
  '29': ['file_executable_detected'],
};

const CHANNEL_SERVICES: Record<string, string> = {
  security: 'security',
  system: 'system',
  application: 'application',
  'microsoft-windows-sysmon/operational': 'sysmon',
  'linux-sysmon/operational': 'sysmon',
  'microsoft-windows-powershell/operational': 'powershell',
  'windows powershell': 'powershell-classic',
  'microsoft-windows-taskscheduler/operational': 'taskscheduler',
  'microsoft-windows-windows defender/operational': 'windefend',
  'microsoft-windows-wmi-activity/operational': 'wmi',
  'microsoft-windows-bits-client/operational': 'bits-client',
  'microsoft-windows-dns-client/operational': 'dns-client',
  'microsoft-windows-windows firewall with advanced security/firewall': 'firewall-as',
  'microsoft-windows-codeintegrity/operational': 'codeintegrity-operational',
  'microsoft-windows-ntlm/operational': 'ntlm',
  'microsoft-windows-terminalservices-localsessionmanager/operational': 'terminalservices-localsessionmanager',
  'microsoft-windows-smbclient/security': 'smbclient-security',
  'microsoft-windows-appxdeployment-server/operational': 'appxdeployment-server',
  'microsoft-windows-printservice/operational': 'printservice-operational',
  'microsoft-windows-ldap-client/debug': 'ldap',
  'microsoft-windows-applocker/exe and dll': 'applocker',
  'microsoft-windows-applocker/msi and script': 'applocker',
  'microsoft-windows-openssh/operational': 'openssh',
};

/** Security 4688 carries the process-creation fields under other names (as Sigma's Windows pipelines map them). */
const ALIASES_4688: Record<string, string> = { Image: 'NewProcessName', ParentImage: 'ParentProcessName', User: 'SubjectUserName', LogonId: 'SubjectLogonId' };

function lookup(fields: Record<string, string>, extra?: Record<string, string>): (field: string) => string | undefined {
  let lower: Map<string, string> | undefined;
  // Hundreds of rules ask for the same few fields: remember each answer, misses included.
  const memo = new Map<string, string | undefined>();
  return (field) => {
    if (memo.has(field)) return memo.get(field);
    let v: string | undefined = fields[field] ?? (extra?.[field] !== undefined ? fields[extra[field]!] : undefined);
    if (v === undefined) {
      // Case and spaces are ignored as a last resort: EVTX exports write "Source Name" where rules say SourceName.
      lower ??= new Map(Object.entries(fields).map(([k, x]) => [k.toLowerCase().replace(/\s+/g, ''), x]));
      v = lower.get(field.toLowerCase());
    }
    memo.set(field, v);
    return v;
  };
}

function windowsView(ev: ParsedLike): SigmaEvent {
  const f = ev.fields;
  const channel = (f.Channel ?? '').toLowerCase();
  const id = f.EventID!;
  const linux = channel.startsWith('linux-sysmon');
  const sysmon = ev.source === 'sysmon' || channel.includes('sysmon');
  const service = CHANNEL_SERVICES[channel] ?? (sysmon ? 'sysmon' : ev.source === 'windows-security' ? 'security' : undefined);
  const categories: string[] = [];
  let aliases: Record<string, string> | undefined;
  if (sysmon) {
    categories.push(...(SYSMON_CATEGORIES[id] ?? []));
    if (id === '12') categories.push(/delete/i.test(f.EventType ?? '') ? 'registry_delete' : 'registry_add');
  } else if (id === '4688' && service === 'security') {
    categories.push('process_creation');
    aliases = ALIASES_4688;
  } else if (service === 'powershell') {
    if (id === '4104') categories.push('ps_script');
    if (id === '4103') categories.push('ps_module');
  } else if (service === 'powershell-classic') {
    if (id === '400') categories.push('ps_classic_start');
    if (id === '600') categories.push('ps_classic_provider_start');
    if (id === '800') categories.push('ps_classic_script');
  }
  const withProvider = { Provider_Name: 'Provider', ...aliases };
  return { product: linux ? 'linux' : 'windows', services: service ? [service] : [], categories, get: lookup(f, withProvider), text: ev.log };
}

/** The Sigma view of an event parsed by the importers (fields named as they name them). */
export function sigmaView(ev: ParsedLike): SigmaEvent {
  const f = ev.fields;
  if (f.EventID !== undefined && /^\d+$/.test(f.EventID)) return windowsView(ev);
  if (ev.source === 'cloudtrail') return { product: 'aws', services: ['cloudtrail'], categories: [], get: lookup(f), text: ev.log };
  if (ev.source.startsWith('zeek-')) return { product: 'zeek', services: [ev.source.slice(5)], categories: [], get: lookup(f), text: ev.log };
  if (f.method !== undefined && f.status !== undefined) {
    const url = f.url ?? '';
    const q = url.indexOf('?');
    const web: Record<string, string | undefined> = {
      'cs-method': f.method,
      'cs-uri-query': url,
      'cs-uri-stem': q === -1 ? url : url.slice(0, q),
      'cs-uri': url,
      'sc-status': f.status,
      'c-useragent': f.userAgent,
      'cs-referer': f.referer,
      'c-ip': f.clientIp,
      'cs-username': f.user,
      'cs-version': f.protocol,
      'sc-bytes': f.bytes,
    };
    const all = { ...f, ...Object.fromEntries(Object.entries(web).filter((e): e is [string, string] => e[1] !== undefined)) };
    return { product: ev.source === 'nginx-access' ? 'nginx' : 'apache', services: ['access'], categories: ['webserver'], get: lookup(all), text: ev.log };
  }
  if (f.program !== undefined) {
    const services = ['syslog'];
    if (ev.source === 'sshd' || ev.source === 'linux-auth') services.push('auth');
    if (f.program === 'sshd') services.push('sshd');
    if (f.program === 'sudo') services.push('sudo');
    if (f.program === 'cron' || f.program === 'CRON') services.push('cron');
    return { product: 'linux', services, categories: [], get: lookup(f), text: f.message ?? ev.log };
  }
  return { product: 'unknown', services: [], categories: [], get: lookup(f), text: ev.log };
}

export interface Logsource {
  product?: string;
  category?: string;
  service?: string;
}

/** A rule applies when each logsource key it sets names the event's product, one of its categories, one of its services. */
export function logsourceMatches(ls: Logsource, ev: SigmaEvent): boolean {
  if (ls.product !== undefined && ls.product !== ev.product) return false;
  if (ls.category !== undefined && !ev.categories.includes(ls.category)) return false;
  if (ls.service !== undefined && !ev.services.includes(ls.service)) return false;
  return true;
}

/** Index keys of a logsource: product (or *) with its category, else its service, else nothing more. */
export function logsourceKey(ls: Logsource): string {
  const p = ls.product ?? '*';
  return ls.category !== undefined ? `${p}|c:${ls.category}` : ls.service !== undefined ? `${p}|s:${ls.service}` : `${p}|*`;
}

/** Every index key an event's rules can have. */
export function eventKeys(ev: SigmaEvent): string[] {
  const keys: string[] = [];
  for (const p of [ev.product, '*']) {
    keys.push(`${p}|*`);
    for (const c of ev.categories) keys.push(`${p}|c:${c}`);
    for (const s of ev.services) keys.push(`${p}|s:${s}`);
  }
  return keys;
}
