import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { NO_MATCH_LABELS, NO_MATCH_REASON, sigmaRulesBaseline } from './baseline.ts';
import { parseYamlRules } from './load.ts';
import { TASKS } from '@opensoc/contracts';
import type { DatasetRecord } from '@opensoc/contracts';
import { answerLogs, baselinePrediction, isNoPrediction } from '../baselines.ts';
import { recordGold } from '../format.ts';
import { computeTaskMetrics, taskDataFromSets } from '../metrics.ts';

const fixture = (name: string) => readFileSync(fileURLToPath(new URL(`../../../datasets/src/importers/fixtures/${name}`, import.meta.url)), 'utf8');

const RULES = `
title: Encoded or download cradle PowerShell
id: 00000000-0000-0000-0000-000000000001
level: medium
tags: [attack.execution, attack.t1059.001]
logsource: { category: process_creation, product: windows }
detection:
  selection:
    Image|endswith: '\\powershell.exe'
    CommandLine|contains: 'DownloadString'
  condition: selection
---
title: Hidden window download cradle
id: 00000000-0000-0000-0000-000000000002
level: high
tags: [attack.command-and-control, attack.t1105]
logsource: { category: process_creation, product: windows }
detection:
  sel_hidden:
    CommandLine|contains|windash: ' -w hidden '
  sel_net:
    CommandLine|contains: 'Net.WebClient'
  condition: all of sel_*
---
title: Failed logon (a Security rule: wrong logsource for Sysmon events)
id: 00000000-0000-0000-0000-000000000003
level: critical
tags: [attack.credential_access, attack.t1110]
logsource: { product: windows, service: security }
detection:
  selection: { EventID: 4625 }
  condition: selection
---
title: Web SQL injection
id: 00000000-0000-0000-0000-000000000004
level: high
tags: [attack.initial-access, attack.t1190]
logsource: { category: webserver }
detection:
  keywords: ['UNION%20SELECT', 'union select']
  condition: keywords
`;

describe('sigmaRulesBaseline', () => {
  const baseline = sigmaRulesBaseline(parseYamlRules(RULES));
  const xml = fixture('windows-events.xml').split('\n').filter((l) => l.startsWith('<Event '));
  const access = fixture('access-log.txt').trim().split('\n');

  it('predicts the ATT&CK tags and level of the highest-level matching rule, by logsource', () => {
    const [sysmon] = baseline.fit([]).predict([xml[0]!]);
    expect(sysmon).toEqual({ threatCategory: 'command-and-control', mitreTechnique: 'T1105', mitreTechniqueParent: 'T1105', mitreTactic: 'command-and-control', severity: 'HIGH' });
    expect(baseline.engine.matchLog(xml[0]!).map((r) => r.id)).toEqual(['00000000-0000-0000-0000-000000000001', '00000000-0000-0000-0000-000000000002']);
    const [benign, sqli, post] = baseline.fit([]).predict(access);
    expect(sqli).toEqual({ threatCategory: 'sql-injection', mitreTechnique: 'T1190', mitreTechniqueParent: 'T1190', mitreTactic: 'initial-access', severity: 'HIGH' });
    expect([benign, post]).toEqual([NO_MATCH_LABELS, NO_MATCH_LABELS]);
    const answers = baseline.fit([]).answer!(access);
    expect(answers[1]).toEqual({ labels: sqli });
    expect([answers[0], answers[2]]).toEqual([{ noPrediction: NO_MATCH_REASON }, { noPrediction: NO_MATCH_REASON }]);
    expect(baseline.coverage([...access, xml[0]!, 'unparseable text'])).toEqual({ matched: 2, total: 5 });
  });

  it('loads the whole bundled SigmaHQ subset and fires on a download-cradle process creation', () => {
    const bundled = sigmaRulesBaseline();
    expect(bundled.engine.rules.length).toBeGreaterThan(2500);
    const matched = bundled.engine.matchLog(xml[0]!);
    expect(matched.length).toBeGreaterThan(0);
    expect(matched.flatMap((r) => r.tactics)).toContain('execution');
    expect(bundled.engine.matchLog(access[0]!)).toEqual([]);
  });

  it('scores no match as no prediction: wrong on every task, benign records included, and counted as a failure', () => {
    const benign: DatasetRecord = { id: 'b1', log: access[0]!, source: 'web', threatCategory: 'benign', threatType: 'normal', mitreTechnique: null, mitreTactic: null, severity: 'LOW', provenance: { origin: 'manual', tool: 'test' } };
    const sqli: DatasetRecord = { ...benign, id: 's1', log: access[1]!, threatCategory: 'sql-injection', mitreTechnique: 'T1190', mitreTactic: 'initial-access', severity: 'HIGH' };
    const records = [benign, sqli];
    const predictions = answerLogs(baseline.fit([]), records.map((r) => r.log)).map((a, i) => baselinePrediction(records[i]!.id, 0, a));
    expect(predictions.map(isNoPrediction)).toEqual([true, false]);
    for (const task of TASKS) {
      const data = taskDataFromSets(records.map((r) => recordGold(r)[task]), predictions.map((p) => p.predicted[task] ?? null), predictions.map((p) => p.failures?.[task] !== undefined));
      const m = computeTaskMetrics(task, data);
      // The benign record (gold N/A technique and tactic, LOW severity) is wrong; the SQL injection one right except severity (rule level high = HIGH).
      expect([task, m.parseFailures, data.correct[0]]).toEqual([task, 1, false]);
    }
  });
});
