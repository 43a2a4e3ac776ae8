import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseWindowsJson } from '@opensoc/datasets';
import { describe, expect, it } from 'vitest';
import { parseRuleBundle } from './load.ts';
import { sigmaView } from './logsource.ts';

const dir = fileURLToPath(new URL('../../../../datasets/sigma/', import.meta.url));

describe('bundled Sigma rules on SigmaHQ regression data', () => {
  it('every rule with regression data matches at least one event of each of its test files', () => {
    const events = readFileSync(`${dir}regression.jsonl`, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { ruleId: string; path: string; event: unknown });
    const ids = new Set(events.map((e) => e.ruleId));
    // Only the rules under test are compiled, so the test stays fast.
    const lines = readFileSync(`${dir}rules.jsonl`, 'utf8').split('\n').filter((l) => [...ids].some((id) => l.includes(id)));
    const { rules, skipped } = parseRuleBundle(lines.join('\n'));
    expect(skipped).toEqual([]);
    const byFile = new Map<string, boolean>();
    for (const { ruleId, path, event } of events) {
      const [parsed] = parseWindowsJson(JSON.stringify(event));
      const view = sigmaView(parsed!);
      const hit = rules.some((r) => r.id === ruleId && r.matches(view));
      byFile.set(path, (byFile.get(path) ?? false) || hit);
    }
    const failing = [...byFile].filter(([, ok]) => !ok).map(([p]) => p);
    expect(byFile.size).toBeGreaterThan(150);
    expect(failing).toEqual([]);
  });
});
