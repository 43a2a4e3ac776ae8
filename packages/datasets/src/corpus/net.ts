import { bindTime, Gen, isoTime, shuffleKeys, syslogPrefix, syslogTime } from './common.ts';
import type { Scenario } from './common.ts';

// ---------------------------------------------------------------- firewall

interface Flow {
  src: string;
  dst: string;
  spt: number;
  dpt: number;
  proto: 'TCP' | 'UDP' | 'ICMP';
  action: 'accept' | 'deny';
  sent?: number;
  rcvd?: number;
}

const FGT_SERVICES: Record<number, string> = { 22: 'SSH', 23: 'TELNET', 53: 'DNS', 80: 'HTTP', 443: 'HTTPS', 445: 'SMB', 3389: 'RDP', 3306: 'MYSQL', 1433: 'MS-SQL', 25: 'SMTP', 123: 'NTP' };

/**
 * Two firewall formats: Linux netfilter (UFW) kernel lines, and FortiGate key=value traffic logs.
 * One record uses one device, so one format.
 */
function fwLines(g: Gen, flows: (() => Flow)[], gap: [number, number]): string {
  const forti = g.chance(0.5);
  const dev = forti ? g.pick(['FGT-HQ-01', 'FGT-DC-02', 'FGT-BRANCH']) : g.pick(['fw01', 'edge-gw', 'ufw-host']);
  return flows.map((make) => {
    g.tick(gap[0], gap[1]);
    const f = make();
    if (forti) {
      const proto = f.proto === 'TCP' ? 6 : f.proto === 'UDP' ? 17 : 1;
      const date = isoTime(g.t);
      const traffic = f.sent !== undefined ? ` sentbyte=${f.sent} rcvdbyte=${f.rcvd ?? 0} duration=${g.int(1, 3600)}` : '';
      return `date=${date.slice(0, 10)} time=${date.slice(11, 19)} devname="${dev}" devid="${g.sticky('devid', () => `FG100F${g.alnum(10, '0123456789ABCDEF')}`)}" logid="${f.action === 'deny' ? '0000000013' : '0000000020'}" type="traffic" subtype="forward" level="${f.action === 'deny' ? 'warning' : 'notice'}" vd="root" srcip=${f.src} srcport=${f.spt} srcintf="${f.src.startsWith('10.') || f.src.startsWith('192.168.') ? 'internal' : 'wan1'}" dstip=${f.dst} dstport=${f.dpt} dstintf="${f.dst.startsWith('10.') || f.dst.startsWith('192.168.') ? 'internal' : 'wan1'}" proto=${proto} action="${f.action}" policyid=${g.int(1, 40)} service="${FGT_SERVICES[f.dpt] ?? `${f.proto.toLowerCase()}/${f.dpt}`}"${traffic}`;
    }
    const tag = f.action === 'deny' ? '[UFW BLOCK]' : '[UFW ALLOW]';
    const flags = f.proto === 'TCP' ? ` WINDOW=${g.pick([1024, 29200, 64240, 65535])} RES=0x00 SYN URGP=0` : '';
    const ports = f.proto === 'ICMP' ? ' TYPE=8 CODE=0' : ` SPT=${f.spt} DPT=${f.dpt}`;
    return `${syslogTime(g.t)} ${dev} kernel: [${(g.int(10000, 9999999) / 1000).toFixed(6)}] ${tag} IN=eth0 OUT= MAC=${g.hex(2)}:${g.hex(2)}:${g.hex(2)}:${g.hex(2)}:${g.hex(2)}:${g.hex(2)} SRC=${f.src} DST=${f.dst} LEN=${g.int(40, 1500)} TOS=0x00 PREC=0x00 TTL=${g.int(30, 255)} ID=${g.int(1, 65535)} PROTO=${f.proto}${ports}${flags}`;
  }).join('\n');
}

export function firewallScenarios(): Scenario[] {
  const source = 'firewall' as const;
  return [
    {
      name: 'fw-benign-traffic', source, category: 'benign', threatType: 'Allowed business traffic', technique: null, tactic: null, severity: 'LOW', count: 70,
      make: (g) => {
        const src = g.ipInternal();
        return fwLines(g, Array.from({ length: g.int(1, 3) }, () => () => ({ src, dst: g.ipExternal(), spt: g.port(), dpt: g.pick([443, 443, 80, 53, 123, 25]), proto: 'TCP', action: 'accept', sent: g.int(200, 90000), rcvd: g.int(500, 900000) })), [100, 30000]);
      },
    },
    {
      name: 'fw-benign-blocked-noise', source, category: 'benign', threatType: 'Routine blocked broadcast / stray traffic', technique: null, tactic: null, severity: 'LOW', count: 40,
      make: (g) => fwLines(g, [() => ({ src: g.pick([g.ipInternal(), g.ipExternal()]), dst: g.pick(['255.255.255.255', '224.0.0.251', g.ipInternal()]), spt: g.pick([68, 5353, 137, 1900]), dpt: g.pick([67, 5353, 137, 1900]), proto: 'UDP', action: 'deny' })], [0, 10]),
    },
    {
      name: 'fw-port-scan', source, category: 'reconnaissance', threatType: 'Port scan', technique: 'T1046', tactic: 'discovery', severity: 'MEDIUM', count: 50,
      make: (g) => {
        const src = g.chance(0.5) ? g.ipExternal() : g.ipInternal();
        const dst = g.ipInternal();
        const vertical = g.chance(0.7);
        const ports = g.rng.shuffle([21, 22, 23, 25, 53, 80, 110, 135, 139, 143, 443, 445, 993, 1433, 1521, 3306, 3389, 5432, 5900, 6379, 8080, 8443, 9200, 27017]).slice(0, g.int(6, 16));
        const spt = g.port();
        return fwLines(g, ports.map((p) => () => ({ src, dst: vertical ? dst : g.ipInternal(), spt: g.chance(0.7) ? spt : g.port(), dpt: vertical ? p : ports[0]!, proto: 'TCP', action: 'deny' })), [1, 200]);
      },
    },
    {
      name: 'fw-syn-flood', source, category: 'denial-of-service', threatType: 'SYN flood', technique: 'T1498.001', tactic: 'impact', severity: 'HIGH', count: 35,
      make: (g) => {
        const dst = g.ipInternal();
        const dpt = g.pick([80, 443, 53, 25]);
        const spoofed = g.chance(0.6);
        const src = g.ipExternal();
        return fwLines(g, Array.from({ length: g.int(10, 22) }, () => () => ({ src: spoofed ? g.ipExternal() : src, dst, spt: g.port(), dpt, proto: 'TCP', action: 'deny' })), [0, 5]);
      },
    },
    {
      name: 'fw-c2-beacon', source, category: 'command-and-control', threatType: 'Periodic beacon to an external host', technique: 'T1071.001', tactic: 'command-and-control', severity: 'HIGH', count: 40,
      make: (g) => {
        const src = g.ipInternal();
        const dst = g.ipExternal();
        const dpt = g.pick([443, 80, 8080, 8443]);
        const period = g.int(30, 900) * 1000;
        return fwLines(g, Array.from({ length: g.int(4, 9) }, () => () => ({ src, dst, spt: g.port(), dpt, proto: 'TCP', action: 'accept', sent: g.int(200, 900), rcvd: g.int(100, 600) })), [period - 2000, period + 2000]);
      },
    },
    {
      name: 'fw-exfil-volume', source, category: 'exfiltration', threatType: 'Large outbound transfer on an unusual protocol', technique: 'T1048', tactic: 'exfiltration', severity: 'CRITICAL', count: 40,
      make: (g) => fwLines(g, Array.from({ length: g.int(1, 3) }, () => () => ({ src: g.ipInternal(), dst: g.ipExternal(), spt: g.port(), dpt: g.pick([21, 22, 8443, 9000, 6667, 4443]), proto: 'TCP', action: 'accept', sent: g.int(500_000_000, 9_000_000_000), rcvd: g.int(10_000, 900_000) })), [1000, 60000]),
    },
    {
      name: 'fw-smb-sweep', source, category: 'lateral-movement', threatType: 'Internal SMB / RDP connections to many hosts', technique: 'T1021.002', tactic: 'lateral-movement', severity: 'HIGH', count: 30,
      make: (g) => {
        const src = g.ipInternal();
        const dpt = g.pick([445, 445, 135, 5985]);
        return fwLines(g, Array.from({ length: g.int(5, 12) }, () => () => ({ src, dst: g.ipInternal(), spt: g.port(), dpt, proto: 'TCP', action: g.chance(0.6) ? 'accept' : 'deny', sent: g.int(1000, 50000), rcvd: g.int(1000, 50000) })), [100, 5000]);
      },
    },
    {
      name: 'fw-rdp-bruteforce', source, category: 'brute-force', threatType: 'Repeated RDP connection attempts from one source', technique: 'T1110.001', tactic: 'credential-access', severity: 'MEDIUM', count: 25,
      make: (g) => {
        const src = g.ipExternal();
        const dst = g.ipInternal();
        return fwLines(g, Array.from({ length: g.int(8, 18) }, () => () => ({ src, dst, spt: g.port(), dpt: g.pick([3389, 3389, 22]), proto: 'TCP', action: 'accept', sent: g.int(1500, 4000), rcvd: g.int(1500, 6000) })), [500, 4000]);
      },
    },
  ];
}

// ---------------------------------------------------------------- DNS

const GOOD_DOMAINS = ['www.google.com', 'outlook.office365.com', 'login.microsoftonline.com', 'api.github.com', 'slack.com', 'zoom.us', 'www.wikipedia.org', 'update.microsoft.com', 'time.windows.com', 'registry.npmjs.org', 'pypi.org', 'cdn.jsdelivr.net', 'intranet.corp.local', 'sql01.corp.local', 'fs02.corp.local', '_ldap._tcp.dc._msdcs.corp.local'];

/** BIND query log or dnsmasq lines; one resolver per record. */
function dnsLines(g: Gen, queries: (() => { client: string; name: string; type: string; reply?: string })[], gap: [number, number]): string {
  const bind = g.chance(0.6);
  const host = g.pick(['ns1', 'resolver-01', 'pihole']);
  return queries.map((make) => {
    g.tick(gap[0], gap[1]);
    const q = make();
    if (bind) return `${bindTime(g.t)} queries: info: client @0x7f${g.hex(10)} ${q.client}#${g.port()} (${q.name}): query: ${q.name} IN ${q.type} +${g.pick(['', 'E(0)', 'E(0)K', 'ED'])} (${g.pick(['10.0.0.53', '10.0.0.54'])})`;
    const pid = g.int(300, 2000);
    const line = `${syslogPrefix(g, host, 'dnsmasq', pid)} query[${q.type}] ${q.name} from ${q.client}`;
    return q.reply ? `${line}\n${syslogPrefix(g, host, 'dnsmasq', pid)} reply ${q.name} is ${q.reply}` : line;
  }).join('\n');
}

function base32(g: Gen, n: number): string {
  return g.alnum(n, 'abcdefghijklmnopqrstuvwxyz234567');
}

export function dnsScenarios(): Scenario[] {
  const source = 'dns' as const;
  return [
    {
      name: 'dns-benign', source, category: 'benign', threatType: 'Normal name resolution', technique: null, tactic: null, severity: 'LOW', count: 90,
      make: (g) => {
        const client = g.ipInternal();
        return dnsLines(g, Array.from({ length: g.int(1, 4) }, () => () => {
          const name = g.pick(GOOD_DOMAINS);
          return { client, name, type: name.startsWith('_') ? 'SRV' : g.pick(['A', 'A', 'AAAA', 'HTTPS']), reply: g.chance(0.5) ? g.ipExternal() : undefined };
        }), [5, 3000]);
      },
    },
    {
      name: 'dns-tunnel', source, category: 'command-and-control', threatType: 'DNS tunnelling (encoded subdomains)', technique: 'T1071.004', tactic: 'command-and-control', severity: 'HIGH', count: 50,
      make: (g) => {
        const client = g.ipInternal();
        const zone = g.pick(['t.cloud-sync.example', 'ns.dnscat.example', 'x.update-cdn.example', 'a.telemetry-svc.example']);
        const type = g.pick(['TXT', 'TXT', 'CNAME', 'MX', 'NULL']);
        return dnsLines(g, Array.from({ length: g.int(4, 12) }, () => () => ({ client, name: `${base32(g, g.int(30, 60))}.${base32(g, g.int(10, 30))}.${zone}`, type })), [20, 800]);
      },
    },
    {
      name: 'dns-exfil', source, category: 'exfiltration', threatType: 'Data exfiltration in DNS queries', technique: 'T1048.003', tactic: 'exfiltration', severity: 'CRITICAL', count: 35,
      make: (g) => {
        const client = g.ipInternal();
        const zone = g.pick(['exf.badcdn.example', 'd.files-backup.example', 'q.stats-collector.example']);
        const id = g.hex(6);
        return dnsLines(g, Array.from({ length: g.int(5, 14) }, (_, i) => () => ({ client, name: `${i}-${id}.${g.hex(g.int(40, 62))}.${zone}`, type: 'A' })), [5, 200]);
      },
    },
    {
      name: 'dns-dga', source, category: 'command-and-control', threatType: 'Queries to algorithmically generated domains (NXDOMAIN burst)', technique: 'T1568.002', tactic: 'command-and-control', severity: 'MEDIUM', count: 35,
      make: (g) => {
        const client = g.ipInternal();
        const tld = g.pick(['com', 'net', 'org', 'info', 'top', 'ru']);
        return dnsLines(g, Array.from({ length: g.int(5, 12) }, () => () => ({ client, name: `${g.alnum(g.int(12, 24), 'abcdefghijklmnopqrstuvwxyz')}.${tld}`, type: 'A', reply: g.chance(0.5) ? 'NXDOMAIN' : undefined })), [10, 500]);
      },
    },
    {
      name: 'dns-zone-transfer', source, category: 'reconnaissance', threatType: 'Zone transfer (AXFR) attempt', technique: 'T1590.002', tactic: 'reconnaissance', severity: 'MEDIUM', count: 25,
      make: (g) => {
        const client = g.ipExternal();
        const zone = g.pick(['corp.local', 'example.com', 'internal.acme.com']);
        const xfer = `${bindTime(g.t)} xfer-out: info: client @0x7f${g.hex(10)} ${client}#${g.port()} (${zone}): transfer of '${zone}/IN': AXFR ${g.chance(0.7) ? 'denied' : 'started'}`;
        return g.chance(0.5) ? xfer : `${dnsLines(g, [() => ({ client, name: zone, type: g.pick(['AXFR', 'IXFR', 'ANY']) })], [0, 10])}\n${xfer}`;
      },
    },
    {
      name: 'dns-ptr-sweep', source, category: 'reconnaissance', threatType: 'Reverse-DNS sweep of an internal range', technique: 'T1018', tactic: 'discovery', severity: 'MEDIUM', count: 30,
      make: (g) => {
        const client = g.ipInternal();
        const [a, b, c] = [10, g.int(0, 40), g.int(0, 255)];
        const start = g.int(1, 200);
        return dnsLines(g, Array.from({ length: g.int(6, 16) }, (_, i) => () => ({ client, name: `${start + i}.${c}.${b}.${a}.in-addr.arpa`, type: 'PTR' })), [1, 100]);
      },
    },
    {
      name: 'dns-amplification', source, category: 'denial-of-service', threatType: 'DNS reflection / amplification', technique: 'T1498.002', tactic: 'impact', severity: 'HIGH', count: 30,
      make: (g) => {
        const victim = g.ipExternal();
        const name = g.pick(['isc.org', 'example.com', 'ripe.net', 'corp.local']);
        return dnsLines(g, Array.from({ length: g.int(10, 20) }, () => () => ({ client: victim, name, type: g.pick(['ANY', 'ANY', 'TXT', 'DNSKEY']) })), [0, 20]);
      },
    },
  ];
}

// ---------------------------------------------------------------- CloudTrail

const REGIONS = ['us-east-1', 'us-west-2', 'eu-west-1', 'eu-central-1', 'ap-southeast-2'];
const SOURCES: Record<string, string> = { iam: 'iam.amazonaws.com', s3: 's3.amazonaws.com', ec2: 'ec2.amazonaws.com', cloudtrail: 'cloudtrail.amazonaws.com', signin: 'signin.amazonaws.com', sts: 'sts.amazonaws.com', ssm: 'ssm.amazonaws.com', guardduty: 'guardduty.amazonaws.com', lambda: 'lambda.amazonaws.com' };
const ACCOUNT = '123456789012';
const CT_UAS = ['aws-cli/2.15.30 Python/3.11.8 Linux/6.5.0 exe/x86_64.ubuntu.22', 'Boto3/1.34.69 md/Botocore#1.34.69 ua/2.0 os/linux#6.1.0 lang/python#3.12.2', 'console.amazonaws.com', 'aws-sdk-go-v2/1.26.0 os/linux lang/go#1.22.1', 'Terraform/1.7.5 (+https://www.terraform.io) terraform-provider-aws/5.42.0'];

function ctEvent(g: Gen, svc: string, eventName: string, opts: { user?: string; ip?: string; params?: unknown; response?: unknown; error?: [string, string]; readOnly?: boolean; extra?: Record<string, unknown> } = {}): string {
  const user = opts.user ?? g.pick(['alice', 'bob', 'ci-deployer', 'terraform', 'data-eng', 'admin']);
  const assumed = g.chance(0.3);
  const ev: Record<string, unknown> = {
    eventVersion: '1.09',
    userIdentity: assumed
      ? { type: 'AssumedRole', principalId: `AROA${g.alnum(17, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567')}:${user}`, arn: `arn:aws:sts::${ACCOUNT}:assumed-role/${g.pick(['OrgAdmin', 'DevOps', 'ReadOnly'])}/${user}`, accountId: ACCOUNT }
      : { type: 'IAMUser', principalId: `AIDA${g.alnum(17, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567')}`, arn: `arn:aws:iam::${ACCOUNT}:user/${user}`, accountId: ACCOUNT, userName: user },
    eventTime: isoTime(g.t),
    eventSource: SOURCES[svc],
    eventName,
    awsRegion: g.pick(REGIONS),
    sourceIPAddress: opts.ip ?? g.ipExternal(),
    userAgent: g.pick(CT_UAS),
    requestParameters: opts.params ?? null,
    responseElements: opts.response ?? null,
    requestID: g.guid(),
    eventID: g.guid(),
    readOnly: opts.readOnly ?? false,
    eventType: svc === 'signin' ? 'AwsConsoleSignIn' : 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: ACCOUNT,
    ...opts.extra,
  };
  if (opts.error) {
    ev.errorCode = opts.error[0];
    ev.errorMessage = opts.error[1];
  }
  // CloudTrail JSON has no fixed key order once it passes through shippers.
  return JSON.stringify(shuffleKeys(g, ev));
}

export function cloudtrailScenarios(): Scenario[] {
  const source = 'cloudtrail' as const;
  return [
    {
      name: 'ct-benign-api', source, category: 'benign', threatType: 'Routine AWS API activity', technique: null, tactic: null, severity: 'LOW', count: 70,
      make: (g) => {
        const [svc, name, params] = g.pick([
          ['ec2', 'DescribeInstances', { maxResults: 100 }],
          ['s3', 'GetObject', { bucketName: g.pick(['app-assets-prod', 'build-artifacts', 'logs-archive']), key: `releases/${g.int(1, 9)}.${g.int(0, 30)}/app.tar.gz` }],
          ['s3', 'PutObject', { bucketName: 'build-artifacts', key: `ci/${g.hex(8)}/report.xml` }],
          ['sts', 'AssumeRole', { roleArn: `arn:aws:iam::${ACCOUNT}:role/DevOps`, roleSessionName: g.user() }],
          ['lambda', 'UpdateFunctionCode20150331v2', { functionName: g.pick(['thumbnailer', 'billing-export', 'webhook-handler']) }],
          ['ec2', 'DescribeSecurityGroups', null],
          ['iam', 'GetUser', null],
        ] as const);
        return ctEvent(g, svc, name, { params, ip: g.chance(0.5) ? g.ipInternal() : g.ipExternal(), readOnly: name.startsWith('Describe') || name.startsWith('Get') });
      },
    },
    {
      name: 'ct-benign-console-login', source, category: 'benign', threatType: 'Console sign-in with MFA', technique: null, tactic: null, severity: 'LOW', count: 40,
      make: (g) => ctEvent(g, 'signin', 'ConsoleLogin', { response: { ConsoleLogin: 'Success' }, extra: { additionalEventData: { LoginTo: 'https://console.aws.amazon.com/console/home', MobileVersion: 'No', MFAUsed: 'Yes' } } }),
    },
    {
      name: 'ct-console-bruteforce', source, category: 'brute-force', threatType: 'Console login failures from one address', technique: 'T1110.001', tactic: 'credential-access', severity: 'HIGH', count: 30,
      make: (g) => {
        const ip = g.ipExternal();
        const user = g.pick(['admin', 'root', 'alice', 'billing']);
        return Array.from({ length: g.int(4, 10) }, () => {
          g.tick(2000, 30000);
          return ctEvent(g, 'signin', 'ConsoleLogin', { user, ip, response: { ConsoleLogin: 'Failure' }, error: ['Failed authentication', 'Failed authentication'], extra: { additionalEventData: { LoginTo: 'https://console.aws.amazon.com/console/home', MobileVersion: 'No', MFAUsed: 'No' } } });
        }).join('\n');
      },
    },
    {
      name: 'ct-stop-logging', source, category: 'defense-evasion', threatType: 'CloudTrail logging stopped or deleted', technique: 'T1562.008', tactic: 'defense-evasion', severity: 'CRITICAL', count: 35,
      make: (g) => {
        const [svc, name, params] = g.pick([
          ['cloudtrail', 'StopLogging', { name: `arn:aws:cloudtrail:us-east-1:${ACCOUNT}:trail/org-trail` }],
          ['cloudtrail', 'DeleteTrail', { name: 'management-events' }],
          ['cloudtrail', 'PutEventSelectors', { trailName: 'org-trail', eventSelectors: [{ readWriteType: 'ReadOnly', includeManagementEvents: false }] }],
          ['guardduty', 'DeleteDetector', { detectorId: g.hex(32) }],
          ['cloudtrail', 'UpdateTrail', { name: 'org-trail', s3BucketName: `attacker-bucket-${g.alnum(6)}` }],
        ] as const);
        return ctEvent(g, svc, name, { params });
      },
    },
    {
      name: 'ct-access-key-backdoor', source, category: 'persistence', threatType: 'Access key created for another user', technique: 'T1098.001', tactic: 'persistence', severity: 'HIGH', count: 30,
      make: (g) => {
        const target = g.pick(['svc-backup', 'ci-deployer', 'admin', 'legacy-app']);
        return ctEvent(g, 'iam', 'CreateAccessKey', { params: { userName: target }, response: { accessKey: { accessKeyId: `AKIA${g.alnum(16, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567')}`, status: 'Active', userName: target, createDate: isoTime(g.t) } } });
      },
    },
    {
      name: 'ct-create-user', source, category: 'persistence', threatType: 'New IAM user with console access', technique: 'T1136.003', tactic: 'persistence', severity: 'HIGH', count: 25,
      make: (g) => {
        const u = g.pick(['support-temp', 'aws-health', 'backup-svc2', g.alnum(8)]);
        const first = ctEvent(g, 'iam', 'CreateUser', { params: { userName: u }, response: { user: { userName: u, path: '/', arn: `arn:aws:iam::${ACCOUNT}:user/${u}` } } });
        g.tick(1000, 20000);
        return g.chance(0.6) ? `${first}\n${ctEvent(g, 'iam', 'CreateLoginProfile', { params: { userName: u, passwordResetRequired: false } })}` : first;
      },
    },
    {
      name: 'ct-admin-policy', source, category: 'privilege-escalation', threatType: 'Administrator policy attached', technique: 'T1098.003', tactic: 'privilege-escalation', severity: 'CRITICAL', count: 30,
      make: (g) => {
        const [name, params] = g.pick([
          ['AttachUserPolicy', { userName: g.pick(['dev-intern', 'ci-deployer', 'alice']), policyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' }],
          ['AttachRolePolicy', { roleName: g.pick(['lambda-exec', 'ec2-app-role']), policyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' }],
          ['PutUserPolicy', { userName: g.pick(['dev-intern', 'alice']), policyName: g.alnum(6), policyDocument: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}' }],
          ['AddUserToGroup', { groupName: 'Admins', userName: g.pick(['dev-intern', 'bob']) }],
        ] as const);
        return ctEvent(g, 'iam', name, { params });
      },
    },
    {
      name: 'ct-snapshot-share', source, category: 'exfiltration', threatType: 'Snapshot or AMI shared with an external account', technique: 'T1537', tactic: 'exfiltration', severity: 'CRITICAL', count: 30,
      make: (g) => {
        const ext = String(g.int(100000000000, 999999999999));
        return g.chance(0.6)
          ? ctEvent(g, 'ec2', 'ModifySnapshotAttribute', { params: { snapshotId: `snap-${g.hex(17)}`, attributeType: 'CREATE_VOLUME_PERMISSION', createVolumePermission: { add: { items: [{ userId: ext }] } } } })
          : ctEvent(g, 'ec2', 'ModifyImageAttribute', { params: { imageId: `ami-${g.hex(17)}`, launchPermission: { add: { items: [{ userId: ext }] } } } });
      },
    },
    {
      name: 'ct-discovery-burst', source, category: 'reconnaissance', threatType: 'Cloud infrastructure enumeration from a new address', technique: 'T1580', tactic: 'discovery', severity: 'MEDIUM', count: 30,
      make: (g) => {
        const ip = g.ipExternal();
        const user = g.pick(['ci-deployer', 'legacy-app', 'bob']);
        return g.rng.shuffle([['sts', 'GetCallerIdentity'], ['ec2', 'DescribeInstances'], ['s3', 'ListBuckets'], ['ec2', 'DescribeSnapshots'], ['ec2', 'DescribeVpcs'], ['iam', 'ListUsers'], ['iam', 'ListRoles'], ['lambda', 'ListFunctions20150331']] as const).slice(0, g.int(4, 8)).map(([svc, name]) => {
          g.tick(100, 3000);
          return ctEvent(g, svc, name, { user, ip, readOnly: true, error: g.chance(0.3) ? ['AccessDenied', `User is not authorized to perform: ${svc}:${name}`] : undefined });
        }).join('\n');
      },
    },
    {
      name: 'ct-ssm-command', source, category: 'malicious-execution', threatType: 'Shell command pushed to instances through SSM', technique: 'T1651', tactic: 'execution', severity: 'HIGH', count: 25,
      // CloudTrail hides SSM command text; the signal is who sends shell documents to many instances.
      make: (g) => ctEvent(g, 'ssm', 'SendCommand', { params: { documentName: g.pick(['AWS-RunShellScript', 'AWS-RunPowerShellScript']), instanceIds: Array.from({ length: g.int(1, 6) }, () => `i-${g.hex(17)}`), parameters: 'HIDDEN_DUE_TO_SECURITY_REASONS', comment: g.pick(['', 'update', 'x']) }, response: { command: { commandId: g.guid(), status: 'Pending' } } }),
    },
  ];
}
