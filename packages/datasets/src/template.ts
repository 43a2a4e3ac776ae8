import { normalizeNewlines, sha256Hex } from './canonical.ts';

/**
 * Log-template mining by masking: variable parts of a log (addresses, numbers, ids, times...)
 * become placeholders, so two logs produced by one generator template, or one logging
 * statement, share a template string and id. Used for leakage reports and grouped splits.
 */

const MONTHS = 'Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec';

/** Masking rules, applied in order: later rules must not see text an earlier rule already owns. */
const TIMESTAMP_RULES: RegExp[] = [
  // ISO 8601 / RFC 3339, with optional fraction and zone: 2025-03-16T01:05:33.123Z, 2025-03-16 01:05:33+02:00
  /\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2})?(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?(?![\w])/g,
  // Apache / nginx: 16/Mar/2025:01:05:33 +0000
  new RegExp(`\\b\\d{1,2}/(?:${MONTHS})/\\d{4}:\\d{2}:\\d{2}:\\d{2}(?: [+-]\\d{4})?`, 'g'),
  // 18-Mar-2025:09:00:01 or 18-Mar-2025 09:00:01
  new RegExp(`\\b\\d{1,2}-(?:${MONTHS})-\\d{4}[: ]\\d{2}:\\d{2}:\\d{2}(?:\\.\\d+)?`, 'g'),
  // Windows / US: 3/16/2025 1:05:33 AM
  /\b\d{1,2}\/\d{1,2}\/\d{4},? \d{1,2}:\d{2}:\d{2}(?: ?[AP]M)?/g,
  // syslog: Mar 15 01:05:33 (optionally with a year)
  new RegExp(`\\b(?:${MONTHS}) {1,2}\\d{1,2}(?: \\d{4})? \\d{2}:\\d{2}:\\d{2}(?:\\.\\d+)?`, 'g'),
  // bare dates and times
  /\b\d{4}-\d{2}-\d{2}\b/g,
  /\b\d{1,2}:\d{2}:\d{2}(?:\.\d+)?\b/g,
];

const UUID = /\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b/g;
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;
// A run of hex digits and colons with at least two colons; validated in code (regex alone is unreadable).
const IPV6_CANDIDATE = /(?<![\w:.])[0-9A-Fa-f:]*:[0-9A-Fa-f:]*:[0-9A-Fa-f:]*(?:\d{1,3}(?:\.\d{1,3}){3})?(?![\w:.])/g;
const IPV4 = /(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?::\d{1,5})?(?!\.?\d|\w)/g;
const HASH = /\b(?:[0-9a-fA-F]{64}|[0-9a-fA-F]{40}|[0-9a-fA-F]{32})\b/g;
const HEX_LITERAL = /\b0x[0-9a-fA-F]+\b/g;
const BASE64_CANDIDATE = /(?<![A-Za-z0-9+/=])[A-Za-z0-9+/]{20,}={0,2}(?![A-Za-z0-9+/=])/g;
const LONG_HEX = /\b(?=[0-9a-fA-F]*\d)(?=[0-9a-fA-F]*[a-fA-F])[0-9a-fA-F]{8,}\b/g;
// Quoted tokens without whitespace (user names, tokens, short values). Quoted text with spaces
// (HTTP request lines, user agents) is structure, not a variable, and stays.
const QUOTED = /"[^"\s]{1,200}"|'[^'\s]{1,200}'/g;
// Long random-looking tokens (session ids, DNS tunnel labels): >= 16 alphanumerics with >= 3 digits.
const RANDOM_TOKEN = /(?<![A-Za-z0-9])(?=(?:[A-Za-z]*\d){3})(?=(?:\d*[A-Za-z]){3})[A-Za-z0-9]{16,}(?![A-Za-z0-9])/g;
const USER_DIR = /(\/home\/|\/Users\/|[Cc]:\\Users\\|\\\\Users\\\\)[^/\\\s"']+/g;
// A path segment mixing letters and >= 2 digits (session ids, upload names); bare numbers are handled below.
const ID_SEGMENT = /(?<=[/\\=])(?=[A-Za-z0-9_-]*[A-Za-z])(?=(?:[A-Za-z_-]*\d){3})[A-Za-z0-9_-]{6,}(?=$|[/\\?&#\s"';,.])/g;
// Percent-escapes are matched first and kept: %27 / %2527 show the encoding trick, not a number.
const NUMBER = /%[0-9A-Fa-f]{2}|\d+(?:\.\d+)*/g;

function isIpv6(s: string): boolean {
  if (s.includes(':::')) return false;
  const colons = (s.match(/:/g) ?? []).length;
  if (!/[0-9A-Fa-f]/.test(s)) return s === '::';
  const groups = s.replace(/\d{1,3}(?:\.\d{1,3}){3}$/, '0:0').split(':');
  if (groups.some((g) => g.length > 4)) return false;
  return s.includes('::') ? colons >= 2 : colons === 7 || /\.\d+$/.test(s);
}

function looksLikeBase64(s: string): boolean {
  const core = s.replace(/=+$/, '');
  // Paths are made of short words between slashes; a blob has a long unbroken run.
  const longest = core.split('/').reduce((m, part) => (part.length > m.length ? part : m), '');
  if (longest.length < 20) return false;
  return /[A-Z]/.test(longest) && /[a-z]/.test(longest) && /\d/.test(longest);
}

/** Masks one line; exported for tests. */
export function maskLine(line: string): string {
  let s = line;
  for (const re of TIMESTAMP_RULES) s = s.replace(re, '<TS>');
  s = s.replace(UUID, '<UUID>');
  if (s.includes('@')) s = s.replace(EMAIL, '<EMAIL>'); // the regex backtracks at every position; skip it when it cannot match
  s = s.replace(IPV6_CANDIDATE, (m) => (isIpv6(m) ? '<IP>' : m));
  s = s.replace(IPV4, '<IP>');
  s = s.replace(HASH, '<HASH>');
  s = s.replace(HEX_LITERAL, '<HEX>');
  s = s.replace(BASE64_CANDIDATE, (m) => (looksLikeBase64(m) ? '<BLOB>' : m));
  s = s.replace(LONG_HEX, '<HEX>');
  s = s.replace(QUOTED, (m, offset: number, all: string) => {
    // JSON keys and values are the structure of JSON logs, not quoted variables; other rules mask their variable parts.
    if (all[offset + m.length] === ':' || /":\s*$/.test(all.slice(Math.max(0, offset - 3), offset))) return m;
    // Absolute paths name what was touched (like an unquoted request path); the path rules mask their variable segments.
    if (m[1] === '/') return m;
    return `${m[0]}<STR>${m[0]}`;
  });
  s = s.replace(RANDOM_TOKEN, '<ID>');
  s = s.replace(USER_DIR, '$1<USER>');
  s = s.replace(ID_SEGMENT, '<ID>');
  s = s.replace(NUMBER, (m) => (m[0] === '%' ? m : '<NUM>'));
  return s;
}

/**
 * The template of a log: each line masked, and every repeat of an already-seen masked line dropped
 * (first-appearance order kept), because the length of a burst (7 or 12 failed logins, alternating
 * with "Invalid user" lines) is itself a variable.
 */
export function logTemplate(log: string): string {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const line of normalizeNewlines(log).split('\n')) {
    const masked = maskLine(line.trimEnd());
    if (!seen.has(masked)) {
      seen.add(masked);
      out.push(masked);
    }
  }
  return out.join('\n');
}

/** Short, stable template id: the first 16 hex digits of sha256(template). */
export function templateIdOf(template: string): string {
  return sha256Hex(template).slice(0, 16);
}

export function logTemplateId(log: string): string {
  return templateIdOf(logTemplate(log));
}

/** Template per record id, for splitters and leakage reports. */
export function templatesById(records: readonly { id: string; log: string }[]): Map<string, { template: string; templateId: string }> {
  const out = new Map<string, { template: string; templateId: string }>();
  for (const r of records) {
    const template = logTemplate(r.log);
    out.set(r.id, { template, templateId: templateIdOf(template) });
  }
  return out;
}
