import { MITRE_TACTICS, THREAT_CATEGORIES } from '@opensoc/contracts';
import type { MitreTactic, Severity, ThreatCategory } from '@opensoc/contracts';

/** ATT&CK Enterprise tactic ids and display names (ATT&CK v18.1), keyed by shortname. */
export const TACTIC_INFO: Record<MitreTactic, { id: string; name: string }> = {
  reconnaissance: { id: 'TA0043', name: 'Reconnaissance' },
  'resource-development': { id: 'TA0042', name: 'Resource Development' },
  'initial-access': { id: 'TA0001', name: 'Initial Access' },
  execution: { id: 'TA0002', name: 'Execution' },
  persistence: { id: 'TA0003', name: 'Persistence' },
  'privilege-escalation': { id: 'TA0004', name: 'Privilege Escalation' },
  'defense-evasion': { id: 'TA0005', name: 'Defense Evasion' },
  'credential-access': { id: 'TA0006', name: 'Credential Access' },
  discovery: { id: 'TA0007', name: 'Discovery' },
  'lateral-movement': { id: 'TA0008', name: 'Lateral Movement' },
  collection: { id: 'TA0009', name: 'Collection' },
  'command-and-control': { id: 'TA0011', name: 'Command and Control' },
  exfiltration: { id: 'TA0010', name: 'Exfiltration' },
  impact: { id: 'TA0040', name: 'Impact' },
};

/**
 * Technique names used in the OpenSOC-AI outputs (and a few common ones), so a
 * formatted response reads like the study's and a name-only answer can be mapped back.
 */
export const TECHNIQUE_NAMES: Record<string, string> = {
  T1190: 'Exploit Public-Facing Application',
  T1110: 'Brute Force',
  'T1110.001': 'Password Guessing',
  'T1110.003': 'Password Spraying',
  'T1110.004': 'Credential Stuffing',
  T1083: 'File and Directory Discovery',
  'T1595.002': 'Vulnerability Scanning',
  T1595: 'Active Scanning',
  T1059: 'Command and Scripting Interpreter',
  'T1059.001': 'PowerShell',
  'T1059.004': 'Unix Shell',
  'T1059.007': 'JavaScript',
  T1498: 'Network Denial of Service',
  T1041: 'Exfiltration Over C2 Channel',
  T1134: 'Access Token Manipulation',
  'T1053.005': 'Scheduled Task',
  'T1543.003': 'Windows Service',
  'T1136.001': 'Local Account',
  'T1003.001': 'LSASS Memory',
  T1003: 'OS Credential Dumping',
  T1021: 'Remote Services',
  T1071: 'Application Layer Protocol',
  T1070: 'Indicator Removal',
};

/** Parent technique of a sub-technique: T1110.001 -> T1110; null stays null. */
export function techniqueParent(id: string | null): string | null {
  return id === null ? null : id.split('.')[0]!;
}

/** Field key normalisation: case, spaces, underscores and hyphens do not matter. */
export function normalizeKey(key: string): string {
  return key.toLowerCase().replace(/[\s_\-*`"'.]+/g, '');
}

const NOT_APPLICABLE = /^(n\/?a|none|null|not applicable|no technique|no tactic|-+|—)$/i;
/** True for values meaning "no technique / tactic" (benign). */
export function isNotApplicable(value: string): boolean {
  return NOT_APPLICABLE.test(value.trim().replace(/[.\s]+$/, '').replace(/\s*\(n\/?a\)$/i, ''));
}

/**
 * Extract an ATT&CK technique id from free text. Accepts T1190, t1190.001, T 1190,
 * T-1190, "Technique 1190", "Technique ID: 1190.001". Returns the canonical upper-case id.
 */
export function extractTechniqueId(text: string): string | undefined {
  const m = /\bT[\s-]?(\d{4})(?:\.(\d{3}))?(?!\d)/i.exec(text) ?? /\btechnique(?:\s*id)?[\s:#]*(\d{4})(?:\.(\d{3}))?(?!\d)/i.exec(text);
  if (m) return `T${m[1]}${m[2] ? `.${m[2]}` : ''}`;
  // Name only ("Exploit Public-Facing Application"): look the name up.
  const lower = text.toLowerCase();
  for (const [id, name] of Object.entries(TECHNIQUE_NAMES)) if (lower.includes(name.toLowerCase())) return id;
  return undefined;
}

/**
 * Severity normalisation. Choices: 'severe' and 'major' map to HIGH (not CRITICAL) because
 * CVSS and most SOC scales name their top level "critical" explicitly; 'moderate' -> MEDIUM;
 * 'informational'/'info'/'minor'/'none' -> LOW (the scale has no level below LOW). The first
 * level word wins, so "HIGH (could be CRITICAL)" is HIGH.
 */
const SEVERITY_WORDS: [RegExp, Severity][] = [
  [/^(critical|crit|p1|sev1|catastrophic)$/, 'CRITICAL'],
  [/^(high|severe|major|p2|sev2|hi)$/, 'HIGH'],
  [/^(medium|med|moderate|mid|p3|sev3)$/, 'MEDIUM'],
  [/^(low|minor|informational|info|none|lo|p4|sev4)$/, 'LOW'],
];
export function normalizeSeverity(text: string): Severity | undefined {
  for (const word of text.toLowerCase().split(/[^a-z0-9]+/)) {
    if (!word) continue;
    for (const [re, sev] of SEVERITY_WORDS) if (re.test(word)) return sev;
  }
  return undefined;
}
export const SEVERITY_LEVEL: Record<Severity, number> = { LOW: 0, MEDIUM: 1, HIGH: 2, CRITICAL: 3 };

/** Tactic name, shortname, snake_case or TA id -> ATT&CK shortname. */
export function normalizeTactic(text: string): MitreTactic | undefined {
  const id = /\bTA\s?(\d{4})\b/i.exec(text);
  if (id) {
    const found = MITRE_TACTICS.find((t) => TACTIC_INFO[t].id === `TA${id[1]}`);
    if (found) return found;
  }
  const squashed = normalizeKey(text).replace(/&/g, 'and');
  const exact = MITRE_TACTICS.find((t) => squashed === normalizeKey(t));
  if (exact) return exact;
  // Several named ("Execution, Persistence"): the first one mentioned wins.
  let best: MitreTactic | undefined;
  let bestAt = Infinity;
  for (const t of MITRE_TACTICS) {
    const at = squashed.indexOf(normalizeKey(t));
    if (at >= 0 && at < bestAt) [best, bestAt] = [t, at];
  }
  return best;
}

/**
 * Ordered rule table from free-text threat types (model output or dataset labels) to the
 * taxonomy. First match wins, so specific rules come first: "SQL Injection — OS Command via SQLi"
 * is sql-injection, not command-injection; "No threat" is tested before anything else.
 */
export const THREAT_TYPE_RULES: readonly { pattern: RegExp; category: ThreatCategory }[] = [
  { pattern: /\b(no threat|not a threat|normal traffic|benign|legitimate|false positive|no (malicious|suspicious) activity)\b/, category: 'benign' },
  { pattern: /\bsql\s*-?i\b|sqli|sql[\s_-]*injection|\bsql\b/, category: 'sql-injection' },
  { pattern: /\bxss\b|cross[\s_-]*site[\s_-]*scripting/, category: 'cross-site-scripting' },
  { pattern: /traversal|\blfi\b|file inclusion|\brfi\b|dot[\s-]?dot/, category: 'path-traversal' },
  { pattern: /command[\s_-]*injection|os command|shell injection|\brce\b|remote code/, category: 'command-injection' },
  { pattern: /credential[\s_-]*dump|mimikatz|lsass|hashdump|ntds|sam dump/, category: 'credential-dumping' },
  { pattern: /brute|password guess|credential stuffing|password spray|failed log[io]n|login fail|authentication fail/, category: 'brute-force' },
  { pattern: /\bdos\b|\bddos\b|denial[\s_-]*of[\s_-]*service|flood/, category: 'denial-of-service' },
  { pattern: /exfiltrat|data theft|data leak/, category: 'exfiltration' },
  { pattern: /\bc2\b|\bc&c\b|command[\s_-]*and[\s_-]*control|beacon/, category: 'command-and-control' },
  { pattern: /lateral|psexec|pass[\s-]the[\s-]hash|remote service/, category: 'lateral-movement' },
  { pattern: /privilege[\s_-]*escalation|explicit credential|token manipulation|\bsudo\b|runas/, category: 'privilege-escalation' },
  { pattern: /persistence|scheduled task|new service|service install|account created|user account|run key|cron/, category: 'persistence' },
  { pattern: /defen[cs]e[\s_-]*evasion|log clear|clear(ed)? (event )?log|disable.*(defender|antivirus|logging)|obfuscat/, category: 'defense-evasion' },
  { pattern: /recon|scan|enumerat|probe|discovery|fingerprint/, category: 'reconnaissance' },
  { pattern: /powershell|process creation|malicious execution|malware|execution|script|payload|trojan/, category: 'malicious-execution' },
  { pattern: /exploit|web attack|ssrf|xxe|deserial|webshell|web shell/, category: 'web-exploit' },
];

/** Map a free-text threat type to a category; exact category names are accepted as is. */
export function mapThreatCategory(text: string): ThreatCategory | undefined {
  const lower = text.toLowerCase().trim();
  const exact = THREAT_CATEGORIES.find((c) => c === lower.replace(/[\s_]+/g, '-'));
  if (exact) return exact;
  return THREAT_TYPE_RULES.find((r) => r.pattern.test(lower))?.category;
}
