import type { MitreTactic, Severity, ThreatCategory } from '@opensoc/contracts';
import type { Rng } from '../prng.ts';

export type CorpusSource =
  | 'apache-access'
  | 'nginx-access'
  | 'sshd'
  | 'windows-security'
  | 'sysmon'
  | 'powershell'
  | 'linux-auditd'
  | 'firewall'
  | 'dns'
  | 'cloudtrail';

/** What a scenario produces for one record; severity may depend on the outcome in the log. */
export interface Generated {
  log: string;
  severity?: Severity;
}

/** One kind of event: its labels (fixed, faithful to ATT&CK) and a generator of varied logs. */
export interface Scenario {
  name: string;
  source: CorpusSource;
  category: ThreatCategory;
  threatType: string;
  technique: string | null;
  tactic: MitreTactic | null;
  severity: Severity;
  count: number;
  make: (g: Gen) => Generated | string;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number, w = 2) => String(n).padStart(w, '0');

export const USERS = [
  'alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy', 'mallory', 'oscar',
  'peggy', 'trent', 'victor', 'walter', 'j.smith', 'a.khan', 'm.garcia', 'l.chen', 'svc_backup', 'svc_sql', 'deploy', 'jenkins',
];
export const ATTACK_USERS = ['root', 'admin', 'administrator', 'test', 'guest', 'oracle', 'postgres', 'ubuntu', 'user', 'ftpuser', 'pi', 'git', 'support', 'ec2-user', 'mysql', 'nagios'];
export const HOSTS = ['WS-0142', 'WS-0217', 'WS-1033', 'LAPTOP-7F3K2', 'FIN-WS-08', 'HR-WS-21', 'DEV-WS-55', 'SRV-APP-01', 'SRV-FILE-02', 'SRV-SQL-01', 'DC01', 'DC02', 'EXCH01', 'JUMP-01'];
export const LINUX_HOSTS = ['web-01', 'web-02', 'api-prod-3', 'db-01', 'bastion', 'ci-runner-2', 'k8s-node-7', 'mail', 'vpn-gw', 'backup-01'];
export const DOMAINS = ['corp.local', 'ad.example.org', 'internal.acme.com'];
export const BROWSER_UAS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
  'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.0.0 Safari/537.36 Edg/123.0.2420.81',
];
export const TOOL_UAS = ['sqlmap/1.8.4#stable (https://sqlmap.org)', 'Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)', 'Nikto/2.5.0', 'python-requests/2.31.0', 'curl/8.5.0', 'Go-http-client/1.1', 'Wget/1.21.4', 'masscan/1.3', 'Mozilla/5.0 (compatible; Nuclei - Open-source project (github.com/projectdiscovery/nuclei))', 'gobuster/3.6', 'Fuzz Faster U Fool v2.1.0-dev', 'WPScan v3.8.25 (https://wpscan.com/wordpress-security-scanner)'];

/** Random helpers bound to one seeded RNG and a record's base time. */
export class Gen {
  /** The record's base time (ms since epoch); bursts advance from it. */
  t: number;

  constructor(readonly rng: Rng) {
    // 2025-01-01 .. 2025-06-30 UTC
    this.t = Date.UTC(2025, 0, 1) + Math.floor(rng.next() * 180 * 86_400_000);
  }

  private readonly memo = new Map<string, unknown>();

  /** A value fixed for the whole record (one host, one device id, one log format per record). */
  sticky<T>(key: string, make: () => T): T {
    if (!this.memo.has(key)) this.memo.set(key, make());
    return this.memo.get(key) as T;
  }

  int = (a: number, b: number) => this.rng.int(a, b);
  pick = <T>(xs: readonly T[]): T => this.rng.pick(xs);
  chance = (p: number) => this.rng.chance(p);
  weighted = <T>(items: readonly (readonly [T, number])[]): T => this.rng.weighted(items);

  /** Advances the clock by a..b milliseconds. */
  tick(a = 0, b = 2000): number {
    this.t += this.int(a, b);
    return this.t;
  }

  ipExternal(): string {
    for (;;) {
      const a = this.int(11, 223);
      if (a === 127 || a === 169 || a === 172 || a === 192 || a === 100) continue;
      return `${a}.${this.int(0, 255)}.${this.int(0, 255)}.${this.int(1, 254)}`;
    }
  }
  ipInternal(): string {
    return this.pick([() => `10.${this.int(0, 40)}.${this.int(0, 255)}.${this.int(2, 254)}`, () => `192.168.${this.int(0, 20)}.${this.int(2, 254)}`, () => `172.${this.int(16, 31)}.${this.int(0, 255)}.${this.int(2, 254)}`])();
  }
  ipv6(): string {
    return `2001:db8:${this.hex(4)}:${this.hex(4)}::${this.hex(3)}`;
  }
  /** A client address: mostly IPv4, sometimes IPv6. */
  client(external = true): string {
    if (this.chance(0.06)) return this.ipv6();
    return external ? this.ipExternal() : this.ipInternal();
  }
  port(): number {
    return this.int(1024, 65535);
  }
  hex(n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += '0123456789abcdef'[this.int(0, 15)];
    return s;
  }
  alnum(n: number, alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789'): string {
    let s = '';
    for (let i = 0; i < n; i++) s += alphabet[this.int(0, alphabet.length - 1)];
    return s;
  }
  b64(bytes: number): string {
    return Buffer.from(Array.from({ length: bytes }, () => this.int(0, 255))).toString('base64');
  }
  guid(): string {
    return `${this.hex(8)}-${this.hex(4)}-4${this.hex(3)}-${this.pick(['8', '9', 'a', 'b'])}${this.hex(3)}-${this.hex(12)}`;
  }
  user(): string {
    return this.pick(USERS);
  }
  host(): string {
    return this.pick(HOSTS);
  }
  linuxHost(): string {
    return this.pick(LINUX_HOSTS);
  }
  domain(): string {
    return this.pick(DOMAINS);
  }
  pid(): number {
    return this.int(300, 65000);
  }
}

// ---- time formats ----
const d = (t: number) => new Date(t);
/** 16/Mar/2025:01:05:33 +0000 */
export const apacheTime = (t: number) => {
  const x = d(t);
  return `${pad(x.getUTCDate())}/${MONTHS[x.getUTCMonth()]}/${x.getUTCFullYear()}:${pad(x.getUTCHours())}:${pad(x.getUTCMinutes())}:${pad(x.getUTCSeconds())} +0000`;
};
/** Mar  5 01:05:33 */
export const syslogTime = (t: number) => {
  const x = d(t);
  return `${MONTHS[x.getUTCMonth()]} ${String(x.getUTCDate()).padStart(2, ' ')} ${pad(x.getUTCHours())}:${pad(x.getUTCMinutes())}:${pad(x.getUTCSeconds())}`;
};
/** 2025-03-16T01:05:33.123Z (ms) or 2025-03-16T01:05:33Z */
export const isoTime = (t: number, ms = false) => (ms ? d(t).toISOString() : d(t).toISOString().replace(/\.\d{3}Z$/, 'Z'));
/** 2025-03-16 01:05:33.123 */
export const sqlTime = (t: number) => d(t).toISOString().replace('T', ' ').replace('Z', '');
/** 03/16/2025 01:05:33 AM */
export const windowsTime = (t: number) => {
  const x = d(t);
  const h = x.getUTCHours();
  return `${pad(x.getUTCMonth() + 1)}/${pad(x.getUTCDate())}/${x.getUTCFullYear()} ${pad(h % 12 === 0 ? 12 : h % 12)}:${pad(x.getUTCMinutes())}:${pad(x.getUTCSeconds())} ${h < 12 ? 'AM' : 'PM'}`;
};
/** 16-Mar-2025 01:05:33.123 (BIND) */
export const bindTime = (t: number) => {
  const x = d(t);
  return `${pad(x.getUTCDate())}-${MONTHS[x.getUTCMonth()]}-${x.getUTCFullYear()} ${pad(x.getUTCHours())}:${pad(x.getUTCMinutes())}:${pad(x.getUTCSeconds())}.${pad(x.getUTCMilliseconds(), 3)}`;
};
/** 1710551133.123 (auditd) */
export const epochTime = (t: number) => `${Math.floor(t / 1000)}.${pad(t % 1000, 3)}`;

/** Syslog header in classic or RFC 5424-ish high-precision form, as rsyslog configurations differ. */
export function syslogPrefix(g: Gen, host: string, program: string, pid?: number): string {
  const tag = pid === undefined ? program : `${program}[${pid}]`;
  const classic = g.sticky('syslog-classic', () => g.chance(0.75));
  return classic ? `${syslogTime(g.t)} ${host} ${tag}:` : `${isoTime(g.t, true).replace('Z', '+00:00')} ${host} ${tag}:`;
}

// ---- payload encodings ----
/** Percent-encodes characters outside the unreserved set (what a browser or a tool sends). */
export const urlEncode = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
/** Percent-encodes every percent sign again: %27 -> %2527 (WAF evasion). */
export const doubleEncode = (s: string) => urlEncode(s).replace(/%/g, '%25');
/** Randomizes letter case of SQL / HTML keywords (WAF evasion). */
export function caseTricks(g: Gen, s: string): string {
  return s.replace(/[A-Za-z]{3,}/g, (w) => [...w].map((c) => (g.chance(0.5) ? c.toUpperCase() : c.toLowerCase())).join(''));
}
/** Replaces spaces with inline SQL comments. */
export const sqlComments = (s: string) => s.replace(/ /g, '/**/');
/** Spaces as '+' (form encoding) with other characters left raw, as many logs show. */
export const plusSpaces = (s: string) => s.replace(/ /g, '+');

/** Applies one of the common encodings to a query payload. */
export function encodePayload(g: Gen, payload: string, kinds: readonly ('raw' | 'url' | 'double' | 'case' | 'comment' | 'plus')[] = ['raw', 'url', 'double', 'case', 'comment', 'plus']): string {
  switch (g.pick(kinds)) {
    case 'raw':
      return payload.replace(/ /g, '%20');
    case 'url':
      return urlEncode(payload);
    case 'double':
      return doubleEncode(payload);
    case 'case':
      return urlEncode(caseTricks(g, payload));
    case 'comment':
      return urlEncode(sqlComments(payload));
    case 'plus':
      return plusSpaces(payload).replace(/[<>"]/g, (c) => urlEncode(c));
  }
}

/** Shuffles object keys where the format (JSON) does not fix an order. */
export function shuffleKeys(g: Gen, obj: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of g.rng.shuffle(Object.keys(obj))) out[k] = obj[k];
  return out;
}
