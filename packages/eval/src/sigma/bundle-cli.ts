/**
 * Writes the SigmaHQ subset this baseline evaluates into datasets/sigma/: the rules whose
 * logsource our importers produce (each rule's full content as JSON, one line each with its path
 * in the repository: JSON loads in milliseconds where 5 MB of YAML takes seconds), their
 * regression events, and provenance. Usage:
 *   tsx packages/eval/src/sigma/bundle-cli.ts <sigma git dir> <out dir>
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parse } from 'yaml';
import { UnsupportedRule } from './modifiers.ts';
import { compileRule } from './rule.ts';

const WINDOWS_CATEGORIES = new Set(['process_creation', 'file_change', 'network_connection', 'process_termination', 'driver_load', 'image_load', 'create_remote_thread', 'raw_access_thread', 'process_access', 'file_event', 'registry_event', 'registry_set', 'registry_add', 'registry_delete', 'registry_rename', 'create_stream_hash', 'pipe_created', 'wmi_event', 'dns_query', 'file_delete', 'process_tampering', 'file_executable_detected', 'ps_script', 'ps_module', 'ps_classic_start', 'ps_classic_provider_start', 'ps_classic_script']);
const WINDOWS_SERVICES = new Set(['security', 'system', 'application', 'sysmon', 'powershell', 'powershell-classic', 'taskscheduler', 'windefend', 'wmi', 'bits-client', 'dns-client', 'firewall-as', 'codeintegrity-operational', 'ntlm', 'terminalservices-localsessionmanager', 'smbclient-security', 'appxdeployment-server', 'printservice-operational', 'applocker', 'openssh']);
const LINUX_SERVICES = new Set(['auth', 'syslog', 'sshd', 'sudo', 'cron']);

/** Whether our importers produce events of this logsource (see logsource.ts). */
function supported(ls: Record<string, unknown>): boolean {
  const { product, category, service } = ls as Record<string, string | undefined>;
  if (category === 'webserver') return product === undefined || product === 'apache' || product === 'nginx';
  if (product === 'windows') return category !== undefined ? WINDOWS_CATEGORIES.has(category) && service === undefined : service !== undefined && WINDOWS_SERVICES.has(service);
  if (product === 'linux') return category !== undefined ? category === 'process_creation' || category === 'network_connection' || category === 'file_event' : service !== undefined && LINUX_SERVICES.has(service);
  if (product === 'aws') return service === 'cloudtrail';
  if (product === 'zeek') return service !== undefined;
  return false;
}

/** Concatenated JSON documents (evtx_dump writes one pretty-printed object per event, back to back). */
function parseConcatenatedJson(text: string): unknown[] {
  const out: unknown[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') {
      if (depth++ === 0) start = i;
    } else if (c === '}' || c === ']') {
      if (--depth === 0) out.push(JSON.parse(text.slice(start, i + 1)));
    }
  }
  return out.flatMap((v) => (Array.isArray(v) ? v : [v]));
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

const [gitDir, out] = process.argv.slice(2);
if (!gitDir || !out) throw new Error('usage: bundle-cli.ts <sigma git dir> <out dir>');
const commit = execFileSync('git', ['--git-dir', gitDir, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
const date = execFileSync('git', ['--git-dir', gitDir, 'log', '-1', '--format=%cI'], { encoding: 'utf8' }).trim();
const tmp = mkdtempSync(join(tmpdir(), 'sigma-'));
execFileSync('sh', ['-c', `git --git-dir '${gitDir}' archive HEAD rules rules-emerging-threats regression_data | tar -x -C '${tmp}'`]);

const docs: string[] = [];
const ids = new Set<string>();
const counts = new Map<string, number>();
let unsupported = 0;
for (const file of [...walk(join(tmp, 'rules')), ...walk(join(tmp, 'rules-emerging-threats'))].sort()) {
  if (!file.endsWith('.yml')) continue;
  const text = readFileSync(file, 'utf8');
  const doc = parse(text) as Record<string, unknown>;
  if (!doc || typeof doc !== 'object' || ['deprecated', 'unsupported'].includes(String(doc.status))) continue;
  if (!supported((doc.logsource ?? {}) as Record<string, unknown>)) continue;
  try {
    compileRule(doc);
  } catch (e) {
    if (e instanceof UnsupportedRule) {
      unsupported++;
      continue;
    }
    throw e;
  }
  const path = relative(tmp, file);
  ids.add(String(doc.id));
  const ls = doc.logsource as Record<string, string>;
  const key = [ls.product ?? '-', ls.category ?? ls.service ?? '-'].join('/');
  counts.set(key, (counts.get(key) ?? 0) + 1);
  docs.push(JSON.stringify({ path, rule: doc }));
}
writeFileSync(join(out, 'rules.jsonl'), docs.join('\n') + '\n');

// Regression events (SigmaHQ's evtx converted to JSON), one line each: the rule id they must trigger.
const regression: string[] = [];
for (const file of walk(join(tmp, 'regression_data')).sort()) {
  if (!file.endsWith('.json')) continue;
  const ruleId = /([0-9a-f-]{36})\.json$/.exec(file)?.[1];
  if (!ruleId || !ids.has(ruleId)) continue;
  for (const event of parseConcatenatedJson(readFileSync(file, 'utf8'))) regression.push(JSON.stringify({ ruleId, path: relative(tmp, file), event }));
}
writeFileSync(join(out, 'regression.jsonl'), regression.join('\n') + '\n');
rmSync(tmp, { recursive: true, force: true });
writeFileSync(join(out, 'bundle-stats.json'), JSON.stringify({ commit, commitDate: date, rules: docs.length, skippedUnsupported: unsupported, regressionEvents: regression.length, byLogsource: Object.fromEntries([...counts].sort()) }, null, 2) + '\n');
console.log(`${docs.length} rules (${unsupported} not evaluable), ${regression.length} regression events, commit ${commit}`);
