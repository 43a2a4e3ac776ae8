import { contextFor, linuxSysmonProcessCreate, powershell4104, security4688, sudoLine, sysmonProcessCreate } from './envelope.ts';
import type { RenderedEvent } from './render.ts';

/**
 * Synthetic benign counterparts, written by us (no third-party data): everyday process starts,
 * script blocks and sudo use on the same envelopes as the attack renderings, so the envelope
 * itself does not give the label away. Each template is one group (one fold in grouped splits).
 */
interface BenignTemplate {
  name: string;
  platform: 'windows' | 'linux';
  /** {user} is replaced by the context's user. */
  image: string;
  commandLine: string;
  parentImage: string;
  parentCommandLine: string;
  script?: string;
  sudo?: boolean;
}

const W = 'C:\\Windows\\System32';
const CHROME = 'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe';
const EDGE = 'C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe';
const EXPLORER = 'C:\\Windows\\explorer.exe';
const SERVICES = `${W}\\services.exe`;
const SVCHOST = `${W}\\svchost.exe`;
const PS = `${W}\\WindowsPowerShell\\v1.0\\powershell.exe`;
const CODE = 'C:\\Users\\{user}\\AppData\\Local\\Programs\\Microsoft VS Code\\Code.exe';

export const BENIGN_TEMPLATES: readonly BenignTemplate[] = [
  { name: 'chrome-renderer', platform: 'windows', image: CHROME, commandLine: `"${CHROME}" --type=renderer --lang=en-US --renderer-client-id=7 --launch-time-ticks=81234567`, parentImage: CHROME, parentCommandLine: `"${CHROME}"` },
  { name: 'chrome-start', platform: 'windows', image: CHROME, commandLine: `"${CHROME}"`, parentImage: EXPLORER, parentCommandLine: `${EXPLORER}` },
  { name: 'edge-utility', platform: 'windows', image: EDGE, commandLine: `"${EDGE}" --type=utility --utility-sub-type=network.mojom.NetworkService --lang=en-US`, parentImage: EDGE, parentCommandLine: `"${EDGE}" --no-startup-window` },
  { name: 'svchost-netsvcs', platform: 'windows', image: SVCHOST, commandLine: `${SVCHOST} -k netsvcs -p -s Schedule`, parentImage: SERVICES, parentCommandLine: SERVICES },
  { name: 'svchost-wuauserv', platform: 'windows', image: SVCHOST, commandLine: `${SVCHOST} -k netsvcs -p -s wuauserv`, parentImage: SERVICES, parentCommandLine: SERVICES },
  { name: 'notepad-doc', platform: 'windows', image: `${W}\\notepad.exe`, commandLine: `"${W}\\notepad.exe" C:\\Users\\{user}\\Documents\\meeting-notes.txt`, parentImage: EXPLORER, parentCommandLine: EXPLORER },
  { name: 'winword-doc', platform: 'windows', image: 'C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE', commandLine: '"C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE" /n "C:\\Users\\{user}\\Documents\\Quarterly report.docx"', parentImage: EXPLORER, parentCommandLine: EXPLORER },
  { name: 'excel-sheet', platform: 'windows', image: 'C:\\Program Files\\Microsoft Office\\root\\Office16\\EXCEL.EXE', commandLine: '"C:\\Program Files\\Microsoft Office\\root\\Office16\\EXCEL.EXE" "C:\\Users\\{user}\\Documents\\budget-2026.xlsx"', parentImage: EXPLORER, parentCommandLine: EXPLORER },
  { name: 'teams', platform: 'windows', image: 'C:\\Users\\{user}\\AppData\\Local\\Microsoft\\Teams\\current\\Teams.exe', commandLine: '"C:\\Users\\{user}\\AppData\\Local\\Microsoft\\Teams\\current\\Teams.exe" --process-start-args "--system-initiated"', parentImage: EXPLORER, parentCommandLine: EXPLORER },
  { name: 'onedrive', platform: 'windows', image: 'C:\\Users\\{user}\\AppData\\Local\\Microsoft\\OneDrive\\OneDrive.exe', commandLine: '"C:\\Users\\{user}\\AppData\\Local\\Microsoft\\OneDrive\\OneDrive.exe" /background', parentImage: EXPLORER, parentCommandLine: EXPLORER },
  { name: 'vscode', platform: 'windows', image: CODE, commandLine: `"${CODE}" C:\\Users\\{user}\\src\\inventory-service`, parentImage: EXPLORER, parentCommandLine: EXPLORER },
  { name: 'git-status', platform: 'windows', image: 'C:\\Program Files\\Git\\cmd\\git.exe', commandLine: '"C:\\Program Files\\Git\\cmd\\git.exe" status --porcelain', parentImage: CODE, parentCommandLine: `"${CODE}"` },
  { name: 'conhost', platform: 'windows', image: `${W}\\conhost.exe`, commandLine: `\\??\\${W}\\conhost.exe 0xffffffff -ForceV1`, parentImage: `${W}\\cmd.exe`, parentCommandLine: `"${W}\\cmd.exe"` },
  { name: 'runtimebroker', platform: 'windows', image: `${W}\\RuntimeBroker.exe`, commandLine: `${W}\\RuntimeBroker.exe -Embedding`, parentImage: SVCHOST, parentCommandLine: `${SVCHOST} -k DcomLaunch -p` },
  { name: 'searchprotocolhost', platform: 'windows', image: `${W}\\SearchProtocolHost.exe`, commandLine: `"${W}\\SearchProtocolHost.exe" Global\\UsGthrFltPipeMssGthrPipe5_ Global\\UsGthrCtrlFltPipeMssGthrPipe5 1 -2147483646 "Software\\Microsoft\\Windows Search"`, parentImage: `${W}\\SearchIndexer.exe`, parentCommandLine: `${W}\\SearchIndexer.exe /Embedding` },
  { name: 'msiexec-install', platform: 'windows', image: `${W}\\msiexec.exe`, commandLine: `${W}\\msiexec.exe /V`, parentImage: SERVICES, parentCommandLine: SERVICES },
  { name: 'defender-update', platform: 'windows', image: 'C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18.25070.5-0\\MpCmdRun.exe', commandLine: '"C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18.25070.5-0\\MpCmdRun.exe" SignatureUpdate -ScheduleJob -RestrictPrivileges', parentImage: SVCHOST, parentCommandLine: `${SVCHOST} -k netsvcs -p -s Schedule` },
  { name: 'taskhostw', platform: 'windows', image: `${W}\\taskhostw.exe`, commandLine: 'taskhostw.exe', parentImage: SVCHOST, parentCommandLine: `${SVCHOST} -k netsvcs -p -s Schedule` },
  { name: 'ps-dir-listing', platform: 'windows', image: PS, commandLine: `"${PS}"`, parentImage: EXPLORER, parentCommandLine: EXPLORER, script: 'Get-ChildItem -Path C:\\Users\\{user}\\Documents -Filter *.docx | Sort-Object LastWriteTime -Descending | Select-Object -First 10' },
  { name: 'ps-module-import', platform: 'windows', image: PS, commandLine: `"${PS}" -NoLogo`, parentImage: EXPLORER, parentCommandLine: EXPLORER, script: 'Import-Module PSReadLine\nSet-PSReadLineOption -EditMode Windows' },
  { name: 'ps-service-status', platform: 'windows', image: PS, commandLine: `"${PS}"`, parentImage: EXPLORER, parentCommandLine: EXPLORER, script: "Get-Service -Name 'Spooler','W32Time' | Format-Table Name, Status, StartType" },
  { name: 'ps-disk-report', platform: 'windows', image: PS, commandLine: `"${PS}" -File C:\\Scripts\\disk-report.ps1`, parentImage: SVCHOST, parentCommandLine: `${SVCHOST} -k netsvcs -p -s Schedule`, script: "Get-PSDrive -PSProvider FileSystem | Where-Object { $_.Free -lt 10GB } | ForEach-Object { Write-Output \"$($_.Name): $([math]::Round($_.Free / 1GB, 1)) GB free\" }" },
  { name: 'linux-apt-update', platform: 'linux', image: '/usr/bin/apt-get', commandLine: 'apt-get update', parentImage: '/usr/bin/sudo', parentCommandLine: 'sudo apt-get update', sudo: true },
  { name: 'linux-systemctl-status', platform: 'linux', image: '/usr/bin/systemctl', commandLine: 'systemctl status nginx', parentImage: '/usr/bin/bash', parentCommandLine: '-bash' },
  { name: 'linux-ls', platform: 'linux', image: '/usr/bin/ls', commandLine: 'ls -la /var/www/html', parentImage: '/usr/bin/bash', parentCommandLine: '-bash' },
  { name: 'linux-git-pull', platform: 'linux', image: '/usr/bin/git', commandLine: 'git pull --ff-only', parentImage: '/usr/bin/bash', parentCommandLine: '-bash' },
  { name: 'linux-logrotate', platform: 'linux', image: '/usr/sbin/logrotate', commandLine: '/usr/sbin/logrotate /etc/logrotate.conf', parentImage: '/usr/bin/sh', parentCommandLine: '/bin/sh -c test -x /usr/sbin/logrotate || exit 0; /usr/sbin/logrotate /etc/logrotate.conf' },
  { name: 'linux-python-app', platform: 'linux', image: '/usr/bin/python3.12', commandLine: 'python3 manage.py migrate --noinput', parentImage: '/usr/bin/bash', parentCommandLine: '-bash' },
  { name: 'linux-docker-ps', platform: 'linux', image: '/usr/bin/docker', commandLine: 'docker ps --format {{.Names}}', parentImage: '/usr/bin/bash', parentCommandLine: '-bash' },
  { name: 'linux-journalctl', platform: 'linux', image: '/usr/bin/journalctl', commandLine: 'journalctl -u nginx --since today', parentImage: '/usr/bin/sudo', parentCommandLine: 'sudo journalctl -u nginx --since today', sudo: true },
  { name: 'linux-tail-log', platform: 'linux', image: '/usr/bin/tail', commandLine: 'tail -n 200 /var/log/nginx/access.log', parentImage: '/usr/bin/bash', parentCommandLine: '-bash' },
  { name: 'linux-make', platform: 'linux', image: '/usr/bin/make', commandLine: 'make -j4 test', parentImage: '/usr/bin/bash', parentCommandLine: '-bash' },
];

/** `count` renderings of one benign template (different hosts, users, times per copy). */
export function renderBenign(t: BenignTemplate, count: number): RenderedEvent[] {
  const out: RenderedEvent[] = [];
  for (let i = 0; i < count; i++) {
    const ctx = contextFor(`benign:${t.name}:${i}`, t.platform);
    const fill = (s: string) => s.replace(/\{user\}/g, ctx.user);
    const p = { image: fill(t.image), commandLine: fill(t.commandLine), parentImage: fill(t.parentImage), parentCommandLine: fill(t.parentCommandLine), currentDirectory: t.platform === 'windows' ? `C:\\Users\\${ctx.user}\\` : `/home/${ctx.user}`, elevated: t.sudo === true };
    if (t.platform === 'windows') {
      // Sysmon or Security auditing, alternating by copy, as for the attack renderings.
      if (i % 2 === 0) out.push({ envelope: 'sysmon-1', source: 'sysmon', log: sysmonProcessCreate(ctx, p) });
      else out.push({ envelope: 'security-4688', source: 'windows-security', log: security4688(ctx, p) });
      if (t.script) out.push({ envelope: 'powershell-4104', source: 'powershell', log: powershell4104(ctx, fill(t.script)) });
    } else {
      out.push({ envelope: 'linux-sysmon-1', source: 'sysmon', log: linuxSysmonProcessCreate(ctx, p) });
      if (t.sudo) out.push({ envelope: 'auth-sudo', source: 'linux-auth', log: sudoLine(ctx, p.commandLine.startsWith('/') ? p.commandLine : `/usr/bin/${p.commandLine}`, `/home/${ctx.user}`) });
    }
  }
  return out;
}
