import { MITRE_TACTICS } from '@opensoc/contracts';
import type { DatasetRecord, MitreTactic } from '@opensoc/contracts';
import { parse } from 'yaml';
import { categoryForAttack } from '../attack-category.ts';
import type { AttackTable } from '../attack.ts';
import { checkRecord } from '../validate.ts';
import { BENIGN_TEMPLATES, renderBenign } from './benign.ts';
import { renderAtomicTest } from './render.ts';
import type { AtomicTest, RenderPlatform } from './render.ts';

export const ATOMIC_TOOL = 'atomic-red-team-renderer@1';
export const BENIGN_TOOL = 'opensoc-benign-templates@1';
const SEVERITY_REASON = 'not labelled by Atomic Red Team';

export interface AtomicFile {
  /** Path in the atomic-red-team repository, e.g. atomics/T1003.001/T1003.001.yaml. */
  path: string;
  text: string;
}

export interface CorpusStats {
  tests: number;
  renderedTests: number;
  skipped: Record<string, number>;
  records: number;
  benignRecords: number;
  byTechnique: Record<string, number>;
  byTactic: Record<string, number>;
  byPlatform: Record<string, number>;
  byEnvelope: Record<string, number>;
  testsByPlatform: Record<string, number>;
}

const bump = (m: Record<string, number>, k: string, n = 1) => (m[k] = (m[k] ?? 0) + n);
const sorted = (m: Record<string, number>) => Object.fromEntries(Object.entries(m).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/**
 * Renders every atomic test into the events it produces, labelled with the atomic's technique and
 * that technique's tactics from the ATT&CK table, plus synthetic benign events (about
 * `benignShare` of the corpus). Every record is validated; an invalid one stops generation.
 */
export function generateAtomicCorpus(files: readonly AtomicFile[], attack: AttackTable, options: { benignShare?: number } = {}): { records: DatasetRecord[]; stats: CorpusStats } {
  const records: DatasetRecord[] = [];
  const stats: CorpusStats = { tests: 0, renderedTests: 0, skipped: {}, records: 0, benignRecords: 0, byTechnique: {}, byTactic: {}, byPlatform: {}, byEnvelope: {}, testsByPlatform: {} };
  const add = (candidate: Record<string, unknown>, where: string) => {
    const out = checkRecord(candidate, attack);
    if (!out.record) throw new Error(`${where}: ${out.errors.map((e) => `${e.field ?? ''} ${e.message}`).join('; ')}`);
    records.push(out.record);
  };
  for (const file of [...files].sort((a, b) => (a.path < b.path ? -1 : 1))) {
    const doc = parse(file.text) as { attack_technique?: string; display_name?: string; atomic_tests?: AtomicTest[] };
    const technique = String(doc.attack_technique ?? '');
    const tests = doc.atomic_tests ?? [];
    stats.tests += tests.length;
    const known = attack.techniques.get(technique);
    if (!known || known.revoked || known.deprecated) {
      bump(stats.skipped, `technique ${technique || '(none)'} not current in the ATT&CK table`, tests.length);
      continue;
    }
    const tactics = MITRE_TACTICS.filter((t) => known.tactics.includes(t)) as MitreTactic[];
    for (const test of tests) {
      const rendered = renderAtomicTest(test);
      if ('skipped' in rendered) {
        bump(stats.skipped, rendered.skipped);
        continue;
      }
      stats.renderedTests++;
      bump(stats.testsByPlatform, rendered.platform);
      rendered.events.forEach((ev, k) => {
        if (ev.log.length > 16_000) {
          bump(stats.skipped, 'event over 16,000 characters (not rendered)');
          return;
        }
        add(
          {
            id: `art-${test.auto_generated_guid}-${String(k).padStart(2, '0')}`,
            log: ev.log,
            source: ev.source,
            threatCategory: categoryForAttack([technique], tactics),
            threatType: String(doc.display_name ?? known.name).slice(0, 200),
            mitreTechnique: technique,
            mitreTactic: tactics[0] ?? null,
            ...(tactics.length >= 2 ? { mitreTactics: tactics } : {}),
            severity: null,
            unknownLabels: { severity: SEVERITY_REASON, ...(tactics.length === 0 ? { mitreTactic: 'technique has no tactic in the ATT&CK table' } : {}) },
            provenance: { origin: 'generated', tool: ATOMIC_TOOL, file: file.path, template: test.auto_generated_guid, group: test.auto_generated_guid, license: 'MIT' },
          },
          `${file.path} test ${test.auto_generated_guid}`,
        );
        bump(stats.byTechnique, technique);
        for (const t of tactics) bump(stats.byTactic, t);
        bump(stats.byPlatform, rendered.platform);
        bump(stats.byEnvelope, ev.envelope);
      });
    }
  }
  // Benign: enough copies per template for about benignShare of the corpus.
  const share = options.benignShare ?? 0.2;
  const attackRecords = records.length;
  const perCopy = BENIGN_TEMPLATES.reduce((n, t) => n + (t.platform === 'windows' ? (t.script ? 2 : 1) : t.sudo ? 2 : 1), 0);
  const copies = Math.max(1, Math.round((attackRecords * share) / (1 - share) / perCopy));
  for (const t of BENIGN_TEMPLATES) {
    renderBenign(t, copies).forEach((ev, k) => {
      add(
        {
          id: `benign-${t.name}-${String(k).padStart(3, '0')}`,
          log: ev.log,
          source: ev.source,
          threatCategory: 'benign',
          threatType: 'benign activity (synthetic)',
          mitreTechnique: null,
          mitreTactic: null,
          severity: 'LOW',
          provenance: { origin: 'generated', tool: BENIGN_TOOL, template: `benign:${t.name}`, group: `benign:${t.name}`, license: 'MIT' },
        },
        `benign template ${t.name}`,
      );
      stats.benignRecords++;
      bump(stats.byPlatform, t.platform);
      bump(stats.byEnvelope, ev.envelope);
    });
  }
  stats.records = records.length;
  return { records, stats: { ...stats, skipped: sorted(stats.skipped), byTechnique: sorted(stats.byTechnique), byTactic: sorted(stats.byTactic), byPlatform: sorted(stats.byPlatform), byEnvelope: sorted(stats.byEnvelope), testsByPlatform: sorted(stats.testsByPlatform) } };
}

export type { RenderPlatform };
