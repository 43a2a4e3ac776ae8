import type { AttackTable } from '../attack.ts';
import { MAX_CHILDREN } from './render.ts';
import type { CorpusStats } from './generate.ts';

const rows = (m: Record<string, number>, name: (k: string) => string = (k) => k) =>
  Object.entries(m)
    .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1))
    .map(([k, n]) => `| ${name(k)} | ${n} |`)
    .join('\n');

/** The dataset card: what is real, what is rendered, and the corpus size by technique, tactic and platform. */
export function renderAtomicCard(a: { commit: string; commitDate: string; hash: string; bytes: number; stats: CorpusStats; attack: AttackTable }): string {
  const s = a.stats;
  const skipped = Object.entries(s.skipped).map(([why, n]) => `- ${n}: ${why}`).join('\n');
  const techniqueName = (id: string) => `${id} ${a.attack.techniques.get(id)?.name ?? ''}`.trim();
  return `# Atomic Red Team corpus (rendered events, real commands and labels)

A training corpus built from the Atomic Red Team atomic tests: each test's commands, rendered into
the events they produce when run, labelled with the test's ATT&CK technique. Version
\`${a.hash}\` (${a.bytes.toLocaleString('en-US')} bytes, ${s.records} records: ${s.records - s.benignRecords} attack, ${s.benignRecords} benign).

## Source and licence

- Atomic Red Team, https://github.com/redcanaryco/atomic-red-team, commit \`${a.commit}\` (${a.commitDate}),
  files \`atomics/T*/T*.yaml\`. MIT licence, Copyright (c) 2018 Red Canary, Inc.: \`LICENSE\` here.
- Tactics: MITRE ATT&CK Enterprise table in \`../shared/data/attack/\` (ATT&CK v18.1).
- Regenerate: \`npx tsx packages/datasets/src/atomic/cli.ts --atomics <atomic-red-team checkout or git dir> --attack ../shared/data/attack/enterprise-attack-techniques.json --out datasets/atomic-red-team\`.

## What is real and what is rendered

Real (taken from the atomics, unchanged):
- the commands: each test's \`executor.command\`, with \`#{argument}\` placeholders replaced by the test's own
  default values and \`PathToAtomicsFolder\` by \`C:\\AtomicRedTeam\\atomics\` or \`/opt/AtomicRedTeam/atomics\`;
- the technique label (\`attack_technique\`) and the technique name (\`display_name\`, as threatType);
- the grouping: \`provenance.template\` and \`provenance.group\` are the test's \`auto_generated_guid\`, so
  template-grouped splits keep every rendering of one test in one fold.

Derived (a fixed mapping, not observed):
- \`mitreTactic\` / \`mitreTactics\`: the technique's tactics in the ATT&CK table, matrix order (primary first);
- \`threatCategory\`: from the technique family, else the primary tactic (\`categoryForAttack\`);
- \`severity\` is unknown (null, reason "not labelled by Atomic Red Team"): the atomics do not rate severity.

Rendered (written by our generator, not observed on a real host):
- the event envelope: Windows events as \`wevtutil\` XML, one per line: Sysmon EID 1 or Security 4688 (the
  test's GUID picks one, half each, as if the host collected one of them) for the executor's launch (\`cmd.exe /c <lines joined by " & ">\` or \`powershell.exe & {<lines joined by "; ">}\`,
  parent \`powershell.exe\` as Invoke-AtomicTest runs them), PowerShell 4104 with the script verbatim for
  PowerShell tests, and Sysmon EID 1 for the first ${MAX_CHILDREN} program(s) the lines start (the first token resolved to a
  path; cmd/shell builtins and PowerShell cmdlets start no process). Linux tests: Sysmon for Linux EID 1 for
  \`sh|bash -c\` and the first ${MAX_CHILDREN} program(s), plus an auth.log \`sudo\` line when the test needs elevation;
- hosts, users, process ids, GUIDs and times: from a PRNG seeded by the test's GUID (deterministic).
- A rendering shows what Invoke-AtomicTest would start, not what the commands did: no file, registry, network
  or child events beyond the above, and a command that fails on a real host still renders.

Benign counterparts (${s.benignRecords} records) are synthetic and authored by us (\`src/atomic/benign.ts\`): everyday
process starts (browsers, Office, services, developer tools, package updates), PowerShell script blocks and
sudo use, on the same envelopes, each template its own group. No third-party benign data is used.

Not rendered: macOS-only and cloud/container tests (no envelope for them yet), manual tests, tests whose
technique is not current in the ATT&CK table. Of ${s.tests} atomic tests, ${s.renderedTests} are rendered; skipped:
${skipped}

## Size by platform (records; tests rendered: ${Object.entries(s.testsByPlatform).map(([p, n]) => `${p} ${n}`).join(', ')})

| platform | records |
|---|---|
${rows(s.byPlatform)}

## Size by envelope

| envelope | records |
|---|---|
${rows(s.byEnvelope)}

## Size by tactic (attack records; a multi-tactic record counts once per tactic)

| tactic | records |
|---|---|
${rows(s.byTactic)}

## Size by technique (${Object.keys(s.byTechnique).length} techniques)

| technique | records |
|---|---|
${rows(s.byTechnique, techniqueName)}
`;
}
