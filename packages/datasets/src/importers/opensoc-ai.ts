import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { DatasetRecord, ThreatCategory } from '@opensoc/contracts';
import type { AttackTable } from '../attack.ts';
import { checkRecord } from '../validate.ts';
import type { ValidationIssue } from '../validate.ts';
import { inferSource, normalizeSeverity, normalizeTactic, normalizeTechnique } from './normalize.ts';

/** One row of the OpenSOC-AI study's files (soc_train.json, soc_eval.json). */
export interface OpenSocAiRow {
  instruction: string;
  input: string;
  output: string;
}

export const OPENSOC_AI_INSTRUCTION =
  'Analyze this log and identify security threats. Return: threat type, MITRE technique ID, severity, and recommendation.';

/** The study's 25 fine-grained threat types onto our taxonomy; the original text stays in threatType. */
export const OPENSOC_AI_CATEGORY_MAP: Readonly<Record<string, ThreatCategory>> = {
  'Automated Reconnaissance / Vulnerability Scanning': 'reconnaissance',
  'Brute Force Attack': 'brute-force',
  'Credential Stuffing Attack': 'brute-force',
  'Cross-Site Scripting (XSS) Attempt': 'cross-site-scripting',
  'Denial of Service / DDoS Attack': 'denial-of-service',
  // LFI reads local files through a file parameter: the same family as traversal.
  'Local File Inclusion (LFI) Attack': 'path-traversal',
  'No Threat Detected — Normal Traffic': 'benign',
  'OS Command Injection Attempt': 'command-injection',
  'Path Traversal / Directory Traversal Attack': 'path-traversal',
  'Potential Data Exfiltration': 'exfiltration',
  'SQL Injection — Authentication Bypass SQLi': 'sql-injection',
  'SQL Injection — Destructive SQLi': 'sql-injection',
  'SQL Injection — Error-based SQLi': 'sql-injection',
  'SQL Injection — OS Command via SQLi': 'sql-injection',
  'SQL Injection — Time-based Blind SQLi': 'sql-injection',
  'SQL Injection — UNION-based SQLi': 'sql-injection',
  'SQL Injection — Union/Boolean SQLi': 'sql-injection',
  'SSH Brute Force Attack': 'brute-force',
  'SSH Brute Force Attack — SUCCESSFUL LOGIN': 'brute-force',
  // The study labels 4648 as T1134 / privilege-escalation; the category follows its tactic.
  'Windows Threat: Explicit Credential Logon': 'privilege-escalation',
  'Windows Threat: Failed Login': 'brute-force',
  'Windows Threat: New Service Installed': 'persistence',
  'Windows Threat: Process Creation — Suspicious': 'malicious-execution',
  'Windows Threat: Scheduled Task Created': 'persistence',
  'Windows Threat: User Account Created': 'persistence',
};

/**
 * The study writes its own technique names, not always ATT&CK's (T1110 "Failed Login"), so export
 * needs them to reproduce the files; other ids fall back to the ATT&CK name.
 */
export const OPENSOC_AI_TECHNIQUE_NAMES: Readonly<Record<string, string>> = {
  T1041: 'Exfiltration Over C2 Channel',
  'T1053.005': 'Scheduled Task Created',
  T1059: 'Process Creation — Suspicious',
  'T1059.004': 'Unix Shell',
  'T1059.007': 'JavaScript',
  T1083: 'File and Directory Discovery',
  T1110: 'Failed Login',
  'T1110.001': 'Password Guessing',
  'T1110.004': 'Credential Stuffing',
  T1134: 'Explicit Credential Logon',
  'T1136.001': 'User Account Created',
  T1190: 'Exploit Public-Facing Application',
  T1498: 'Network Denial of Service',
  'T1543.003': 'New Service Installed',
  'T1595.002': 'Vulnerability Scanning',
};

const TACTIC_NAMES: Readonly<Record<string, string>> = {
  reconnaissance: 'Reconnaissance',
  'resource-development': 'Resource Development',
  'initial-access': 'Initial Access',
  execution: 'Execution',
  persistence: 'Persistence',
  'privilege-escalation': 'Privilege Escalation',
  'defense-evasion': 'Defense Evasion',
  'credential-access': 'Credential Access',
  discovery: 'Discovery',
  'lateral-movement': 'Lateral Movement',
  collection: 'Collection',
  'command-and-control': 'Command and Control',
  exfiltration: 'Exfiltration',
  impact: 'Impact',
};

const OUTPUT_KEYS = ['THREAT_TYPE', 'MITRE_TECHNIQUE', 'MITRE_TACTIC', 'SEVERITY', 'RISK_SCORE', 'EVIDENCE', 'IMPACT', 'RECOMMENDATION'] as const;
type OutputKey = (typeof OUTPUT_KEYS)[number];

export interface OpenSocAiImportOptions {
  /** Id part: `opensoc-ai-<split>-0001`. Default from the file name (soc_train.json -> train). */
  split?: string;
  /** Name used in messages and provenance; default the file's base name. */
  displayName?: string;
  /** Extra threat-type mappings for variants of the format. */
  categoryMap?: Record<string, ThreatCategory>;
  attack?: AttackTable;
}

export interface OpenSocAiImportResult {
  records: DatasetRecord[];
  /** `index` is the 0-based position in the JSON array. */
  errors: ValidationIssue[];
  warnings: ValidationIssue[];
}

/** Parses the 8 `KEY: value` lines of an output; reports missing or unknown keys. */
export function parseOpenSocAiOutput(output: string): { fields: Partial<Record<OutputKey, string>>; problems: string[] } {
  const fields: Partial<Record<OutputKey, string>> = {};
  const problems: string[] = [];
  for (const line of output.split('\n')) {
    const m = /^([A-Z_]+): ?(.*)$/.exec(line);
    if (!m) {
      problems.push(`output line "${line.slice(0, 60)}" is not KEY: value`);
      continue;
    }
    const key = m[1] as OutputKey;
    if (!(OUTPUT_KEYS as readonly string[]).includes(key)) problems.push(`unknown output key ${key}`);
    else if (fields[key] !== undefined) problems.push(`output key ${key} appears twice`);
    else fields[key] = m[2]!;
  }
  for (const key of OUTPUT_KEYS) if (fields[key] === undefined) problems.push(`output lacks ${key}`);
  return { fields, problems };
}

function splitFromFile(file: string): string {
  const m = /^soc_([a-z0-9]+)\.json$/i.exec(file);
  return (m ? m[1]! : file.replace(/\.json$/i, '')).toLowerCase().replace(/[^a-z0-9]+/g, '-');
}

/** Converts the study's rows to dataset records. Every problem names the file and array index. */
export function importOpenSocAiRows(rows: unknown, options: OpenSocAiImportOptions = {}): OpenSocAiImportResult {
  const file = options.displayName ?? 'opensoc-ai.json';
  const split = options.split ?? splitFromFile(file);
  const result: OpenSocAiImportResult = { records: [], errors: [], warnings: [] };
  if (!Array.isArray(rows)) {
    result.errors.push({ file, message: 'expected a JSON array of {instruction, input, output}' });
    return result;
  }
  const categories = { ...OPENSOC_AI_CATEGORY_MAP, ...options.categoryMap };
  const width = Math.max(4, String(rows.length).length);
  rows.forEach((row: unknown, index) => {
    const err = (message: string, field?: string) => result.errors.push({ file, index, ...(field ? { field } : {}), message });
    const r = row as Partial<OpenSocAiRow> | null;
    if (r === null || typeof r !== 'object' || typeof r.input !== 'string' || typeof r.output !== 'string') {
      err('expected an object with string "input" and "output"');
      return;
    }
    if (typeof r.instruction === 'string' && r.instruction !== OPENSOC_AI_INSTRUCTION) {
      result.warnings.push({ file, index, message: 'instruction differs from the study\'s; it is not kept, so export will write the standard one' });
    }
    const { fields, problems } = parseOpenSocAiOutput(r.output);
    for (const p of problems) err(p);
    if (problems.length > 0) return;
    const threatType = fields.THREAT_TYPE!;
    const threatCategory = categories[threatType];
    if (!threatCategory) err(`THREAT_TYPE "${threatType}" has no taxonomy mapping`, 'threatCategory');
    const technique = normalizeTechnique(fields.MITRE_TECHNIQUE!);
    if (technique === undefined) err(`MITRE_TECHNIQUE "${fields.MITRE_TECHNIQUE}" has no ATT&CK id`, 'mitreTechnique');
    const tactic = normalizeTactic(fields.MITRE_TACTIC!);
    if (tactic === undefined) err(`MITRE_TACTIC "${fields.MITRE_TACTIC}" is not an ATT&CK tactic`, 'mitreTactic');
    const severity = normalizeSeverity(fields.SEVERITY!);
    if (!severity) err(`SEVERITY "${fields.SEVERITY}" is not one of LOW|MEDIUM|HIGH|CRITICAL`, 'severity');
    const riskScore = Number(fields.RISK_SCORE);
    if (fields.RISK_SCORE!.trim() === '' || !Number.isFinite(riskScore)) err(`RISK_SCORE "${fields.RISK_SCORE}" is not a number`, 'riskScore');
    const source = inferSource(r.input);
    if (!source) err('cannot infer the log source from the input', 'source');
    if (!threatCategory || technique === undefined || tactic === undefined || !severity || !source || !Number.isFinite(riskScore)) return;

    const candidate = {
      id: `opensoc-ai-${split}-${String(index + 1).padStart(width, '0')}`,
      log: r.input,
      source,
      threatCategory,
      threatType,
      mitreTechnique: technique,
      mitreTactic: tactic,
      severity,
      riskScore,
      evidence: fields.EVIDENCE!,
      impact: fields.IMPACT!,
      recommendation: fields.RECOMMENDATION!,
      provenance: { origin: 'imported', tool: 'opensoc-ai-importer', file, line: index + 1, license: 'MIT' },
    };
    const checked = checkRecord(candidate, options.attack);
    for (const e of checked.errors) err(e.message, e.field);
    for (const w of checked.warnings) result.warnings.push({ file, index, ...w });
    if (technique && options.attack) {
      const official = options.attack.techniques.get(technique)?.name;
      const studyName = /\((.*)\)\s*$/.exec(fields.MITRE_TECHNIQUE!)?.[1];
      if (official && studyName && studyName !== official) {
        result.warnings.push({ file, index, field: 'mitreTechnique', message: `study names ${technique} "${studyName}"; ATT&CK calls it "${official}"` });
      }
    }
    if (checked.record) result.records.push(checked.record);
  });
  return result;
}

export async function importOpenSocAiFile(path: string, options: OpenSocAiImportOptions = {}): Promise<OpenSocAiImportResult> {
  const file = options.displayName ?? basename(path);
  let rows: unknown;
  try {
    rows = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    return { records: [], errors: [{ file, message: `malformed JSON: ${(e as Error).message}` }], warnings: [] };
  }
  return importOpenSocAiRows(rows, { ...options, displayName: file });
}

function techniqueText(id: string | null, attack?: AttackTable): string {
  if (id === null) return 'N/A (N/A)';
  const name = OPENSOC_AI_TECHNIQUE_NAMES[id] ?? attack?.techniques.get(id)?.name ?? id;
  return `${id} (${name})`;
}

/** Writes records back in the study's format, in the order given. */
export function exportOpenSocAi(records: readonly DatasetRecord[], options: { attack?: AttackTable } = {}): OpenSocAiRow[] {
  return records.map((r) => {
    const output = [
      `THREAT_TYPE: ${r.threatType}`,
      `MITRE_TECHNIQUE: ${techniqueText(r.mitreTechnique, options.attack)}`,
      `MITRE_TACTIC: ${r.mitreTactic === null ? 'N/A' : TACTIC_NAMES[r.mitreTactic]}`,
      `SEVERITY: ${r.severity}`,
      `RISK_SCORE: ${r.riskScore ?? ''}`,
      `EVIDENCE: ${r.evidence ?? ''}`,
      `IMPACT: ${r.impact ?? ''}`,
      `RECOMMENDATION: ${r.recommendation ?? ''}`,
    ].join('\n');
    return { instruction: OPENSOC_AI_INSTRUCTION, input: r.log, output };
  });
}

/** The study's file layout: 2-space indented JSON with non-ASCII escaped as \uXXXX (Python's json.dump defaults). */
export function formatOpenSocAiJson(rows: readonly OpenSocAiRow[]): string {
  return JSON.stringify(rows, null, 2).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
