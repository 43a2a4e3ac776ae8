import { boundFields, EventParseError, importWith } from './events.ts';
import type { EventImportOptions, ParsedEvent } from './events.ts';
import type { ImportResult } from './generic.ts';
import { numberedLines } from './line-input.ts';

// `Mar 15 01:05:33 host prog[pid]: msg` (RFC 3164, auth.log), ISO-stamped (rsyslog's high-precision format), RFC 5424.
const BSD = /^(?:<(\d{1,3})>)?([A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d) (\S+) ([^\s:[]+)(?:\[(\d+)\])?: ?(.*)$/;
const ISO = /^(?:<(\d{1,3})>)?(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?) (\S+) ([^\s:[]+)(?:\[(\d+)\])?: ?(.*)$/;
const RFC5424 = /^<(\d{1,3})>1 (\S+) (\S+) (\S+) (\S+) (\S+) (-|\[.*?\](?:\[.*?\])*) ?(.*)$/;

/** Fields an auth.log message carries: sshd logins, sudo commands, su, PAM, account changes. */
export function authFields(program: string, message: string): Record<string, string | undefined> {
  const f: Record<string, string | undefined> = {};
  if (program === 'sshd') {
    const m = /^(Failed|Accepted) (\S+) for (invalid user )?(\S+) from (\S+) port (\d+)/.exec(message);
    if (m) return { sshEvent: m[1] === 'Failed' ? 'failed-login' : 'accepted-login', authMethod: m[2], invalidUser: m[3] ? 'true' : undefined, user: m[4], sourceIp: m[5], sourcePort: m[6] };
    const inv = /^Invalid user (\S*) from (\S+)(?: port (\d+))?/.exec(message);
    if (inv) return { sshEvent: 'invalid-user', user: inv[1], sourceIp: inv[2], sourcePort: inv[3] };
    const closed = /^(?:Connection closed|Disconnected from|Received disconnect from) (?:(?:invalid |authenticating )?user (\S+) )?(\d[\d.:a-f]*)/.exec(message);
    if (closed) return { sshEvent: 'disconnect', user: closed[1], sourceIp: closed[2] };
  }
  if (program === 'sudo') {
    const m = /^\s*(\S+) : (?:(.*?) ; )?TTY=(\S+) ; PWD=(.*?) ; USER=(\S+) ; COMMAND=(.*)$/.exec(message);
    if (m) return { user: m[1], sudoProblem: m[2], tty: m[3], pwd: m[4], targetUser: m[5], command: m[6] };
  }
  if (program === 'su') {
    const m = /\(to (\S+)\) (\S+) on (\S+)/.exec(message);
    if (m) return { targetUser: m[1], user: m[2], tty: m[3] };
  }
  const pam = /pam_unix\(([^:]+):(\w+)\): (.*)$/.exec(message);
  if (pam) {
    f.pamService = pam[1];
    f.pamType = pam[2];
    const u = /user[= ](\S+)/.exec(pam[3]!);
    if (u) f.user = u[1]!.replace(/\(.*$/, '');
    const rhost = /rhost=(\S+)/.exec(pam[3]!);
    if (rhost) f.sourceIp = rhost[1];
  }
  const acct = /^(new user|new group|delete user|add '([^']+)' to group|password changed for) ?(?:: )?(?:name=([^,\s]+))?(.*)$/.exec(message);
  if (['useradd', 'usermod', 'userdel', 'groupadd', 'passwd', 'chpasswd'].includes(program) && acct) f.accountChange = acct[1];
  return f;
}

function sourceFor(program: string): string {
  if (program === 'sshd') return 'sshd';
  if (['sudo', 'su', 'useradd', 'usermod', 'userdel', 'groupadd', 'passwd', 'chpasswd', 'login', 'systemd-logind', 'polkitd', 'pkexec', 'cron', 'CRON'].includes(program)) return 'linux-auth';
  return 'syslog';
}

/** Parses syslog / auth.log lines (RFC 3164, ISO-stamped, RFC 5424); a line in none of them is an error. */
export function parseSyslog(text: string): ParsedEvent[] {
  return numberedLines(text).map(({ line, text: l }) => {
    let f: Record<string, string | undefined>;
    const m5424 = RFC5424.exec(l);
    const m = m5424 ? undefined : (BSD.exec(l) ?? ISO.exec(l));
    if (m5424) f = { priority: m5424[1], timestamp: m5424[2], host: m5424[3], program: m5424[4], pid: m5424[5] === '-' ? undefined : m5424[5], msgid: m5424[6] === '-' ? undefined : m5424[6], structuredData: m5424[7] === '-' ? undefined : m5424[7], message: m5424[8] };
    else if (m) f = { priority: m[1], timestamp: m[2], host: m[3], program: m[4], pid: m[5], message: m[6] };
    else throw new EventParseError('not a syslog line (expected "MMM dd hh:mm:ss host program[pid]: message", an ISO timestamp, or RFC 5424)', { line, field: 'timestamp' });
    const program = f.program!;
    return { log: l, fields: boundFields({ ...f, ...authFields(program, f.message ?? '') }), source: sourceFor(program), line };
  });
}

export const importSyslogFile = (path: string, options: EventImportOptions = {}): Promise<ImportResult> => importWith(path, options, 'syslog-importer', parseSyslog);
