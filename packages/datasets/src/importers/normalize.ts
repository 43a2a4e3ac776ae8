import { normalizeTactic as tacticFromAny, SEVERITIES, THREAT_CATEGORIES } from '@opensoc/contracts';
import type { MitreTactic, Severity, ThreatCategory } from '@opensoc/contracts';

const NONE = new Set(['', 'n/a', 'na', 'none', 'null', '-']);

/** 'TA0001', 'Initial Access', 'initial_access', 'initial-access' -> 'initial-access'; N/A -> null; unknown -> undefined. */
export function normalizeTactic(text: string): MitreTactic | null | undefined {
  if (NONE.has(text.trim().toLowerCase())) return null;
  return tacticFromAny(text);
}

/** 'T1190 (Exploit Public-Facing Application)' -> 'T1190'; N/A -> null; no id -> undefined. */
export function normalizeTechnique(text: string): string | null | undefined {
  const t = text.trim();
  if (NONE.has(t.toLowerCase()) || /^n\/a\b/i.test(t)) return null;
  const m = /^(T\d{4}(?:\.\d{3})?)\b/i.exec(t);
  return m ? m[1]!.toUpperCase() : undefined;
}

export function normalizeSeverity(text: string): Severity | undefined {
  const t = text.trim().toUpperCase();
  return (SEVERITIES as readonly string[]).includes(t) ? (t as Severity) : undefined;
}

/** 'SQL Injection', 'sql_injection' -> 'sql-injection' when that is a taxonomy category. */
export function normalizeCategory(text: string): ThreatCategory | undefined {
  const t = text.trim().toLowerCase().replace(/[\s_]+/g, '-');
  return (THREAT_CATEGORIES as readonly string[]).includes(t) ? (t as ThreatCategory) : undefined;
}

/**
 * Guesses the log source from the text of a log. Apache and nginx write the same combined format,
 * so a bare access line is called apache-access unless it names nginx.
 */
export function inferSource(log: string): string | undefined {
  const first = log.trimStart().split('\n', 1)[0] ?? '';
  if (/\bsshd\[\d+\]:/.test(log)) return 'sshd';
  if (/^\S+ \S+ \S+ \[[^\]]+\] "[A-Z]+ \S+/.test(first)) return /nginx/i.test(log) ? 'nginx-access' : 'apache-access';
  if (/Microsoft-Windows-Sysmon|\bSysmon\b/.test(log)) return 'sysmon';
  if (/Microsoft-Windows-PowerShell|ScriptBlockText|EventID:\s*4104\b/.test(log)) return 'powershell';
  if (/^\s*(EventID|EventCode|Event ID)\s*[:=]\s*\d+/im.test(log) || /Microsoft-Windows-Security-Auditing/.test(log)) return 'windows-security';
  if (/\btype=[A-Z_]+ msg=audit\(/.test(log)) return 'linux-auditd';
  if (/"eventSource"\s*:\s*"[a-z0-9-]+\.amazonaws\.com"/.test(log)) return 'cloudtrail';
  if (/\bquery(?:\[[A-Z]+\])?: \S+ IN [A-Z]+|\bnamed\[\d+\]|\bdnsmasq\[\d+\]/.test(log)) return 'dns';
  if (/\b(SRC|src)=\S+ .*\b(DST|dst)=\S+|\bfilterlog\b|\[UFW [A-Z]+\]|action="?(deny|accept|drop)/.test(log)) return 'firewall';
  return undefined;
}
