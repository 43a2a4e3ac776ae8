import { describe, expect, it } from 'vitest';
import { parseAttackTable } from '../attack.ts';
import { parseSyslog } from '../importers/syslog.ts';
import { parseWindowsXml } from '../importers/windows-xml.ts';
import { generateAtomicCorpus } from './generate.ts';
import { programOf, renderAtomicTest, substitute } from './render.ts';
import type { AtomicTest } from './render.ts';

const attack = parseAttackTable({
  techniques: [
    { id: 'T1003.001', name: 'LSASS Memory', tactics: ['credential-access'] },
    { id: 'T1053.003', name: 'Cron', tactics: ['execution', 'persistence', 'privilege-escalation'] },
    { id: 'T1000', name: 'Old', tactics: ['execution'], revoked: true },
  ],
  tactics: [],
});

const ATOMIC = `attack_technique: T1003.001
display_name: "OS Credential Dumping: LSASS Memory"
atomic_tests:
- name: Dump with procdump
  auto_generated_guid: 0be2230c-9ab3-4ac2-8826-3199b9a0ebf8
  supported_platforms: [windows]
  input_arguments:
    output_file: { description: x, type: path, default: C:\\Windows\\Temp\\lsass_dump.dmp }
    procdump_exe: { description: x, type: path, default: PathToAtomicsFolder\\..\\ExternalPayloads\\procdump.exe }
  executor:
    command: |
      "#{procdump_exe}" -accepteula -ma lsass.exe #{output_file}
    name: command_prompt
    elevation_required: true
- name: Dump with comsvcs
  auto_generated_guid: 2536dee2-12fb-459a-8c37-971844fa73be
  supported_platforms: [windows]
  executor:
    command: |
      C:\\Windows\\System32\\rundll32.exe C:\\windows\\System32\\comsvcs.dll, MiniDump (Get-Process lsass).id $env:TEMP\\lsass-comsvcs.dmp full
    name: powershell
- name: Manual one
  auto_generated_guid: 11111111-2222-3333-4444-555555555555
  supported_platforms: [windows]
  executor: { name: manual, steps: "do it by hand" }
`;
const CRON = `attack_technique: T1053.003
display_name: "Scheduled Task/Job: Cron"
atomic_tests:
- name: Cron - Replace crontab with referenced file
  auto_generated_guid: 435057fb-74b1-410e-9403-d81baf194f75
  supported_platforms: [linux, macos]
  input_arguments:
    command: { description: x, type: string, default: /tmp/evil.sh }
    tmp_cron: { description: x, type: path, default: /tmp/persistevil }
  executor:
    name: sh
    elevation_required: true
    command: |
      crontab -l > /tmp/notevil
      echo "* * * * * #{command}" > #{tmp_cron} && crontab #{tmp_cron}
`;
const REVOKED = 'attack_technique: T1000\natomic_tests:\n- name: x\n  auto_generated_guid: 99999999-2222-3333-4444-555555555555\n  supported_platforms: [windows]\n  executor: { name: command_prompt, command: whoami }\n';

describe('Atomic Red Team rendering', () => {
  it('substitutes argument defaults and the atomics folder, and finds the program a line starts', () => {
    const test = { input_arguments: { a: { default: 'PathToAtomicsFolder\\x.exe' } } } as unknown as AtomicTest;
    expect(substitute('"#{a}" -q #{missing}', test, true)).toBe('"C:\\AtomicRedTeam\\atomics\\x.exe" -q #{missing}');
    expect(programOf('reg add HKCU\\x /v y', true)).toBe('C:\\Windows\\System32\\reg.exe');
    expect(programOf('"C:\\Tools\\procdump.exe" -ma lsass.exe', true)).toBe('C:\\Tools\\procdump.exe');
    expect(programOf('echo hi > x', true)).toBeUndefined();
    expect(programOf('Get-Process lsass', true)).toBeUndefined();
    expect(programOf('crontab -l', false)).toBe('/usr/bin/crontab');
    expect(programOf('export X=1', false)).toBeUndefined();
  });

  it('renders each test into events the importers parse, with the real command inside', () => {
    const { records, stats } = generateAtomicCorpus([{ path: 'atomics/T1003.001/T1003.001.yaml', text: ATOMIC }, { path: 'atomics/T1053.003/T1053.003.yaml', text: CRON }, { path: 'atomics/T1000/T1000.yaml', text: REVOKED }], attack, { benignShare: 0.2 });
    expect(stats.skipped).toEqual({ 'manual steps (no command)': 1, 'technique T1000 not current in the ATT&CK table': 1 });
    const procdump = records.filter((r) => r.provenance.group === '0be2230c-9ab3-4ac2-8826-3199b9a0ebf8');
    // The cmd.exe launch (Sysmon 1 or Security 4688, picked by the GUID) and procdump as its child.
    expect(procdump).toHaveLength(2);
    expect(procdump.map((r) => { const f = parseWindowsXml(r.log)[0]!.fields; return f.Image ?? f.NewProcessName; })).toEqual(['C:\\Windows\\System32\\cmd.exe', 'C:\\AtomicRedTeam\\atomics\\..\\ExternalPayloads\\procdump.exe']);
    for (const r of procdump) {
      const [ev] = parseWindowsXml(r.log);
      expect(ev!.fields.CommandLine).toContain('"C:\\AtomicRedTeam\\atomics\\..\\ExternalPayloads\\procdump.exe" -accepteula -ma lsass.exe C:\\Windows\\Temp\\lsass_dump.dmp');
      expect(r).toMatchObject({ mitreTechnique: 'T1003.001', mitreTactic: 'credential-access', threatCategory: 'credential-dumping', severity: null, unknownLabels: { severity: 'not labelled by Atomic Red Team' } });
    }
    const comsvcs = records.filter((r) => r.provenance.group === '2536dee2-12fb-459a-8c37-971844fa73be');
    const script = comsvcs.find((r) => r.source === 'powershell')!;
    expect(parseWindowsXml(script.log)[0]!.fields.ScriptBlockText).toBe('C:\\Windows\\System32\\rundll32.exe C:\\windows\\System32\\comsvcs.dll, MiniDump (Get-Process lsass).id $env:TEMP\\lsass-comsvcs.dmp full');
    expect(comsvcs.some((r) => parseWindowsXml(r.log)[0]!.fields.Image === 'C:\\Windows\\System32\\rundll32.exe')).toBe(true);
    const cron = records.filter((r) => r.provenance.group === '435057fb-74b1-410e-9403-d81baf194f75');
    expect(cron[0]).toMatchObject({ mitreTactic: 'execution', mitreTactics: ['execution', 'persistence', 'privilege-escalation'] });
    const sudo = cron.find((r) => r.source === 'linux-auth')!;
    expect(parseSyslog(sudo.log)[0]!.fields).toMatchObject({ program: 'sudo', targetUser: 'root' });
    const linuxLaunch = parseWindowsXml(cron.find((r) => r.log.includes('Linux-Sysmon'))!.log)[0]!;
    expect(linuxLaunch.fields).toMatchObject({ Channel: 'Linux-Sysmon/Operational', Image: '/usr/bin/sh' });
    expect(linuxLaunch.fields.CommandLine).toContain('echo \\"* * * * * /tmp/evil.sh\\" > /tmp/persistevil && crontab /tmp/persistevil');
    expect(stats.benignRecords).toBeGreaterThan(0);
    expect(records.filter((r) => r.threatCategory === 'benign').every((r) => r.provenance.group?.startsWith('benign:'))).toBe(true);
    // Deterministic: the same input renders the same bytes.
    expect(generateAtomicCorpus([{ path: 'atomics/T1003.001/T1003.001.yaml', text: ATOMIC }], attack).records).toEqual(generateAtomicCorpus([{ path: 'atomics/T1003.001/T1003.001.yaml', text: ATOMIC }], attack).records);
  });

  it('reports why a test is not rendered', () => {
    expect(renderAtomicTest({ name: 'm', auto_generated_guid: 'g', supported_platforms: ['macos'], executor: { name: 'sh', command: 'id' } })).toEqual({ skipped: 'platform/executor not rendered (macos / sh)' });
  });
});
