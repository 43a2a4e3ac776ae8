import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { KNOWN_SOURCES, THREAT_CATEGORIES } from '@opensoc/contracts';
import type { DatasetRecord } from '@opensoc/contracts';
import { loadAttackTable } from '../attack.ts';
import { sha256Hex } from '../canonical.ts';
import { attackTablePath, hasAttackTable, MISSING_DATA, repoRoot } from '../testing.ts';
import { formatIssue, validateJsonlFile, validateRecords } from '../validate.ts';
import { prepareVersion } from '../version.ts';
import type { PreparedVersion } from '../version.ts';
import { CARD_END, CARD_START, renderCorpusStats } from './card.ts';
import { corpusScenarios, generateCorpus } from './generator.ts';

const corpusPath = resolve(repoRoot, 'datasets/soc-corpus.jsonl');

describe('bundled corpus generator', () => {
  let records: DatasetRecord[];
  let version: PreparedVersion;
  beforeAll(() => {
    records = generateCorpus({ seed: 1 });
    version = prepareVersion(records);
  });

  it('the dataset card quotes the current numbers and covers every scenario count', async () => {
    const card = await readFile(resolve(repoRoot, 'datasets/README.md'), 'utf8');
    const block = card.slice(card.indexOf(CARD_START), card.indexOf(CARD_END) + CARD_END.length);
    expect(block).toBe(renderCorpusStats(records, version.stats, version.hash, 1));
    expect(card).toContain(`${corpusScenarios().length} hand-written scenarios`);
  });

  it('is deterministic by seed', () => {
    const a = prepareVersion(generateCorpus({ seed: 5, scale: 0.1 })).hash;
    expect(prepareVersion(generateCorpus({ seed: 5, scale: 0.1 })).hash).toBe(a);
    expect(prepareVersion(generateCorpus({ seed: 6, scale: 0.1 })).hash).not.toBe(a);
  });

  it('meets the size, template and coverage minimums', () => {
    const s = version.stats;
    expect(s.records).toBeGreaterThanOrEqual(5000);
    expect(s.templates).toBeGreaterThanOrEqual(300);
    expect(Object.keys(s.bySource).sort()).toEqual([...KNOWN_SOURCES].sort());
    expect(Object.keys(s.byThreatCategory).sort()).toEqual([...THREAT_CATEGORIES].sort());
    for (const source of KNOWN_SOURCES) {
      expect(records.some((r) => r.source === source && r.threatCategory === 'benign'), `benign ${source}`).toBe(true);
    }
    for (const [category, n] of Object.entries(s.byThreatCategory)) expect(n, category).toBeGreaterThanOrEqual(100);
  });

  it('varies logs within a scenario (addresses, encodings, field order)', () => {
    const sqli = records.filter((r) => r.provenance.template === 'apache-sqli');
    expect(new Set(sqli.map((r) => r.log)).size).toBe(sqli.length);
    expect(sqli.some((r) => r.log.includes('%2527') || r.log.includes('%2520'))).toBe(true); // double encoding
    expect(sqli.some((r) => r.log.includes('%2F%2A%2A%2F'))).toBe(true); // SQL comments, URL-encoded
    const ct = records.filter((r) => r.source === 'cloudtrail' && r.log.startsWith('{'));
    expect(new Set(ct.map((r) => Object.keys(JSON.parse(r.log.split('\n')[0]!))[0])).size).toBeGreaterThan(3);
  });

  it('labels follow ATT&CK for the well-known cases', () => {
    const has = (r: DatasetRecord, re: RegExp) => re.test(r.log);
    const expectAll = (re: RegExp, technique: string, tactic: string) => {
      const hits = records.filter((r) => has(r, re));
      expect(hits.length, String(re)).toBeGreaterThan(10);
      for (const r of hits) expect([r.mitreTechnique, r.mitreTactic], `${r.id} ${String(re)}`).toEqual([technique, tactic]);
    };
    expectAll(/EventCode=4698|"EventID":4698/, 'T1053.005', 'persistence');
    expectAll(/EventCode=1102|"EventID":1102/, 'T1070.001', 'defense-evasion');
    expectAll(/TargetImage(: |":")C:\\\\?Windows\\\\?system32\\\\?lsass\.exe/, 'T1003.001', 'credential-access');
    const burst4625 = records.filter((r) => (r.log.match(/EventCode=4625|"EventID":4625/g) ?? []).length >= 5);
    expect(burst4625.length).toBeGreaterThan(10);
    for (const r of burst4625) expect([r.mitreTechnique, r.mitreTactic]).toEqual(['T1110.001', 'credential-access']);
    for (const r of records.filter((x) => x.threatCategory === 'sql-injection' || x.threatCategory === 'cross-site-scripting' || x.threatCategory === 'path-traversal')) {
      expect([r.mitreTechnique, r.mitreTactic]).toEqual(['T1190', 'initial-access']);
    }
  });

  it.skipIf(!hasAttackTable)('every technique/tactic pair validates against the real ATT&CK table', async () => {
    const attack = await loadAttackTable(attackTablePath);
    const report = validateRecords(records, { attack, file: 'corpus' });
    expect(report.errors.map(formatIssue)).toEqual([]);
    expect(report.warnings.map(formatIssue)).toEqual([]);
  });

  it('the committed datasets/soc-corpus.jsonl equals a fresh generation with seed 1 and validates', async () => {
    const committed = await readFile(corpusPath);
    expect(sha256Hex(committed)).toBe(version.hash);
    const report = await validateJsonlFile(corpusPath, hasAttackTable ? { attack: await loadAttackTable(attackTablePath) } : {});
    expect(report.errors.map(formatIssue)).toEqual([]);
    expect(report.validRecords).toBe(records.length);
  });
});

if (!hasAttackTable) console.warn(MISSING_DATA);
