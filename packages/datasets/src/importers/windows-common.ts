/** The record source for a Windows event, from its channel and provider. */
export function windowsSource(channel: string | undefined, provider: string | undefined): string {
  const c = (channel ?? '').toLowerCase();
  const p = (provider ?? '').toLowerCase();
  if (c.includes('sysmon') || p.includes('sysmon')) return 'sysmon';
  if (c.includes('powershell') || p.includes('powershell')) return 'powershell';
  if (c === 'security' || p.includes('security-auditing')) return 'windows-security';
  if (c === 'system') return 'windows-system';
  return 'windows-event';
}

/** Windows' System header fields, under the names the Sigma rules and the compact renderer use. */
export interface WindowsHeader {
  EventID?: string;
  Channel?: string;
  Provider?: string;
  Computer?: string;
  TimeCreated?: string;
  Level?: string;
  UserID?: string;
}

/** Header first, then the event's own data, so the bound on field count keeps the header. */
export function windowsFields(header: WindowsHeader, data: Record<string, unknown>): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = { ...header };
  for (const [k, v] of Object.entries(data)) {
    if (v === null || v === undefined || k in out) continue;
    out[k] = typeof v === 'object' ? JSON.stringify(v) : String(v);
  }
  return out;
}
