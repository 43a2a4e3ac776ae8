import { contextFor, linuxSysmonProcessCreate, powershell4104, security4688, seedOf, sudoLine, sysmonProcessCreate } from './envelope.ts';
import type { Context, ProcessSpec } from './envelope.ts';

/** The parts of an Atomic Red Team test the renderer reads (atomics/T*\/T*.yaml). */
export interface AtomicTest {
  name: string;
  auto_generated_guid: string;
  supported_platforms: string[];
  input_arguments?: Record<string, { default?: unknown }>;
  executor: { name: string; command?: string; elevation_required?: boolean };
}

export interface RenderedEvent {
  /** Which envelope: sysmon-1, security-4688, powershell-4104, linux-sysmon-1, auth-sudo. */
  envelope: string;
  source: string;
  log: string;
}

const WIN_ATOMICS = 'C:\\AtomicRedTeam\\atomics';
const NIX_ATOMICS = '/opt/AtomicRedTeam/atomics';
const SYS32 = 'C:\\Windows\\System32';
const POWERSHELL = `${SYS32}\\WindowsPowerShell\\v1.0\\powershell.exe`;
const CMD = `${SYS32}\\cmd.exe`;

/** `#{name}` placeholders replaced by the test's defaults, PathToAtomicsFolder by an install path. */
export function substitute(command: string, test: AtomicTest, windows: boolean): string {
  let out = command.replace(/#\{([^}]+)\}/g, (m, name: string) => {
    const d = test.input_arguments?.[name]?.default;
    return d === undefined || d === null ? m : String(d);
  });
  // Defaults may themselves hold placeholders (rarely nested deeper than once).
  out = out.replace(/#\{([^}]+)\}/g, (m, name: string) => String(test.input_arguments?.[name]?.default ?? m));
  return out.replace(/\$?PathToAtomicsFolder/g, windows ? WIN_ATOMICS : NIX_ATOMICS);
}

const CMD_BUILTINS = new Set(['echo', 'set', 'copy', 'del', 'erase', 'move', 'type', 'dir', 'cd', 'chdir', 'mkdir', 'md', 'rmdir', 'rd', 'if', 'for', 'start', 'call', 'exit', 'ren', 'rename', 'cls', 'pushd', 'popd', 'rem', 'goto', 'setlocal', 'endlocal', 'title', 'ver', 'vol', 'mklink', 'assoc', 'ftype', 'timeout', '@echo', 'pause', 'break', 'path', 'prompt', 'color']);
/** Windows programs that live in System32 (the rest keep the path the command gives). */
const SYSTEM32 = new Set(['reg', 'schtasks', 'sc', 'net', 'net1', 'netsh', 'rundll32', 'regsvr32', 'mshta', 'certutil', 'bitsadmin', 'cmd', 'whoami', 'ipconfig', 'systeminfo', 'tasklist', 'taskkill', 'nltest', 'vssadmin', 'wevtutil', 'bcdedit', 'icacls', 'takeown', 'attrib', 'cscript', 'wscript', 'msiexec', 'curl', 'findstr', 'find', 'ping', 'nslookup', 'route', 'arp', 'netstat', 'quser', 'qwinsta', 'hostname', 'klist', 'setspn', 'auditpol', 'fsutil', 'forfiles', 'control', 'mavinject', 'esentutl', 'expand', 'extrac32', 'makecab', 'xcopy', 'robocopy', 'wmic', 'msdt', 'odbcconf', 'cmstp', 'diskshadow', 'ntdsutil', 'wbadmin', 'sdbinst', 'pcalua', 'forfiles', 'fltmc', 'gpresult', 'driverquery', 'wusa', 'dism', 'where', 'tar', 'timeout', 'replace', 'conhost', 'certreq', 'mountvol', 'query', 'logman', 'dsquery', 'csvde', 'ldifde', 'cipher', 'shutdown', 'winrm', 'wsl', 'bash', 'ssh', 'scp', 'sftp']);
const SHELL_BUILTINS = new Set(['echo', 'cd', 'export', 'if', 'then', 'else', 'elif', 'fi', 'for', 'do', 'done', 'while', 'until', 'case', 'esac', 'set', 'unset', '[', '[[', 'test', 'source', '.', 'read', 'exit', 'local', 'return', 'true', 'false', 'printf', 'eval', 'exec', 'alias', 'unalias', 'shift', 'trap', 'wait', 'umask', 'ulimit', 'history', 'declare', 'typeset', 'let', '}', '{', 'function', ':', 'pushd', 'popd', 'sleep']);

/** The program a command line starts: a quoted or bare first token, undefined for a shell builtin. */
export function programOf(line: string, windows: boolean): string | undefined {
  const t = line.trim().replace(/^@/, '');
  const m = /^"([^"]+)"|^'([^']+)'|^(\S+)/.exec(t);
  if (!m) return undefined;
  const token = (m[1] ?? m[2] ?? m[3]!).replace(/[;&|]+$/, '');
  if (token === '') return undefined;
  if (windows) {
    const bare = token.toLowerCase().replace(/\.exe$/, '');
    if (CMD_BUILTINS.has(bare) || token.startsWith('%') || token.startsWith('$') || token.includes('=')) return undefined;
    if (/^[a-z]:\\|^\\\\/i.test(token)) return /\.(exe|com|bat|cmd|scr)$/i.test(token) ? token : undefined;
    if (SYSTEM32.has(bare)) return `${SYS32}\\${bare}.exe`;
    if (bare === 'powershell') return POWERSHELL;
    if (bare === 'pwsh') return 'C:\\Program Files\\PowerShell\\7\\pwsh.exe';
    if (/\.exe$/i.test(token) && !token.includes('\\')) return `${SYS32}\\${token}`;
    return undefined;
  }
  const bare = token.replace(/^sudo$/, '');
  if (bare === '' || SHELL_BUILTINS.has(bare) || bare.includes('=') || bare.startsWith('$') || bare.startsWith('#')) return undefined;
  if (bare.startsWith('/') || bare.startsWith('./')) return bare;
  if (!/^[a-z0-9_.+-]+$/i.test(bare)) return undefined;
  return `/usr/bin/${bare}`;
}

const lines = (command: string) =>
  command
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#') && !/^rem\b/i.test(l));

/** Child processes rendered per test: enough to show what ran, bounded so one test cannot dominate. */
export const MAX_CHILDREN = 1;

function windowsEvents(test: AtomicTest, command: string, ctx: Context): RenderedEvent[] {
  const elevated = test.executor.elevation_required === true;
  const cwd = elevated ? `${SYS32}\\` : `C:\\Users\\${ctx.user}\\`;
  const host = { image: POWERSHELL, commandLine: `"${POWERSHELL}" -NoProfile` };
  const out: RenderedEvent[] = [];
  const steps = lines(command);
  let launch: ProcessSpec;
  if (test.executor.name === 'powershell') {
    launch = { image: POWERSHELL, commandLine: `"powershell.exe" & {${steps.join('; ')}}`, parentImage: host.image, parentCommandLine: host.commandLine, currentDirectory: cwd, elevated };
    out.push({ envelope: 'powershell-4104', source: 'powershell', log: powershell4104(ctx, command.trim()) });
  } else {
    launch = { image: CMD, commandLine: `"${CMD}" /c ${steps.join(' & ')}`, parentImage: host.image, parentCommandLine: host.commandLine, currentDirectory: cwd, elevated };
  }
  // A host collects process creation through Sysmon or through Security auditing: the test's GUID picks
  // which (half each), so both envelopes are in the corpus without doubling it.
  if (seedOf(test.auto_generated_guid) % 2 === 0) out.push({ envelope: 'sysmon-1', source: 'sysmon', log: sysmonProcessCreate(ctx, launch) });
  else out.push({ envelope: 'security-4688', source: 'windows-security', log: security4688(ctx, launch) });
  let children = 0;
  for (const step of steps) {
    if (children >= MAX_CHILDREN) break;
    const image = programOf(step, true);
    // A PowerShell script's cmdlets are not processes; only lines that start a program are.
    if (!image || image === launch.image && test.executor.name !== 'powershell') continue;
    out.push({ envelope: 'sysmon-1', source: 'sysmon', log: sysmonProcessCreate(ctx, { image, commandLine: step, parentImage: launch.image, parentCommandLine: launch.commandLine, currentDirectory: cwd, elevated }) });
    children++;
  }
  return out;
}

function linuxEvents(test: AtomicTest, command: string, ctx: Context): RenderedEvent[] {
  const elevated = test.executor.elevation_required === true;
  const shell = test.executor.name === 'bash' ? '/usr/bin/bash' : '/usr/bin/sh';
  const cwd = elevated ? '/root' : `/home/${ctx.user}`;
  const steps = lines(command);
  const launch: ProcessSpec = { image: shell, commandLine: `${shell.slice(9)} -c "${steps.join('; ').replace(/"/g, '\\"')}"`, parentImage: '/usr/bin/pwsh', parentCommandLine: 'pwsh -NoProfile', currentDirectory: cwd, elevated };
  const out: RenderedEvent[] = [{ envelope: 'linux-sysmon-1', source: 'sysmon', log: linuxSysmonProcessCreate(ctx, launch) }];
  if (elevated) out.push({ envelope: 'auth-sudo', source: 'linux-auth', log: sudoLine(ctx, `${shell} -c ${steps[0] ?? ''}`.slice(0, 2000), `/home/${ctx.user}`) });
  let children = 0;
  for (const step of steps) {
    if (children >= MAX_CHILDREN) break;
    const image = programOf(step.replace(/^sudo\s+/, ''), false);
    if (!image) continue;
    out.push({ envelope: 'linux-sysmon-1', source: 'sysmon', log: linuxSysmonProcessCreate(ctx, { image, commandLine: step.replace(/^sudo\s+/, ''), parentImage: shell, parentCommandLine: launch.commandLine, currentDirectory: cwd, elevated }) });
    children++;
  }
  return out;
}

export type RenderPlatform = 'windows' | 'linux';

/**
 * The events one atomic test produces when run by Invoke-AtomicTest, or a reason it is not
 * rendered (manual steps, no supported executor, a platform we do not render).
 */
export function renderAtomicTest(test: AtomicTest): { platform: RenderPlatform; events: RenderedEvent[] } | { skipped: string } {
  const exec = test.executor;
  if (!exec || typeof exec.command !== 'string' || exec.command.trim() === '') return { skipped: exec?.name === 'manual' ? 'manual steps (no command)' : 'no command' };
  const platforms = test.supported_platforms ?? [];
  if (platforms.includes('windows') && (exec.name === 'command_prompt' || exec.name === 'powershell')) {
    const command = substitute(exec.command, test, true);
    return { platform: 'windows', events: windowsEvents(test, command, contextFor(test.auto_generated_guid, 'windows')) };
  }
  if (platforms.includes('linux') && (exec.name === 'sh' || exec.name === 'bash')) {
    const command = substitute(exec.command, test, false);
    return { platform: 'linux', events: linuxEvents(test, command, contextFor(test.auto_generated_guid, 'linux')) };
  }
  return { skipped: `platform/executor not rendered (${platforms.join(',')} / ${exec.name})` };
}
