/**
 * The fixed threat-category taxonomy. Each category is documented in
 * datasets/README.md (the dataset card). Order matters only for display.
 */
export const THREAT_CATEGORIES = [
  'benign',
  'reconnaissance',
  'brute-force',
  'credential-dumping',
  'sql-injection',
  'cross-site-scripting',
  'command-injection',
  'path-traversal',
  'web-exploit',
  'malicious-execution',
  'persistence',
  'privilege-escalation',
  'lateral-movement',
  'defense-evasion',
  'command-and-control',
  'exfiltration',
  'denial-of-service',
] as const;
export type ThreatCategory = (typeof THREAT_CATEGORIES)[number];

export const SEVERITIES = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** ATT&CK Enterprise tactic shortnames, in matrix order. */
export const MITRE_TACTICS = [
  'reconnaissance',
  'resource-development',
  'initial-access',
  'execution',
  'persistence',
  'privilege-escalation',
  'defense-evasion',
  'credential-access',
  'discovery',
  'lateral-movement',
  'collection',
  'command-and-control',
  'exfiltration',
  'impact',
] as const;
export type MitreTactic = (typeof MITRE_TACTICS)[number];

/** Log sources the bundled corpus covers; imported data may use other kebab-case names. */
export const KNOWN_SOURCES = [
  'apache-access',
  'nginx-access',
  'sshd',
  'windows-security',
  'sysmon',
  'powershell',
  'linux-auditd',
  'firewall',
  'dns',
  'cloudtrail',
] as const;

/** ATT&CK technique id syntax: T1234 or T1234.001. */
export const TECHNIQUE_ID_PATTERN = /^T\d{4}(\.\d{3})?$/;
