import type { DatasetRecord } from '@opensoc/contracts';
import { sha256Hex } from '../canonical.ts';
import { Rng } from '../prng.ts';
import { Gen } from './common.ts';
import type { Scenario } from './common.ts';
import { auditdScenarios, powershellScenarios, sshdScenarios, sysmonScenarios, windowsScenarios } from './host.ts';
import { cloudtrailScenarios, dnsScenarios, firewallScenarios } from './net.ts';
import { webScenarios } from './web.ts';

/** Bump when generated output changes, so provenance tells corpora apart. */
export const CORPUS_GENERATOR_VERSION = 'opensoc-corpus@1';

export function corpusScenarios(): Scenario[] {
  return [
    ...webScenarios('apache-access'),
    ...webScenarios('nginx-access'),
    ...sshdScenarios(),
    ...windowsScenarios(),
    ...sysmonScenarios(),
    ...powershellScenarios(),
    ...auditdScenarios(),
    ...firewallScenarios(),
    ...dnsScenarios(),
    ...cloudtrailScenarios(),
  ];
}

/** Scenario counts are relative weights; this brings the default corpus above 5,000 records. */
const BASE_SCALE = 1.25;

export interface CorpusOptions {
  seed: number;
  /** Multiplies every scenario's record count (tests use small scales). Default 1. */
  scale?: number;
}

/**
 * Generates the bundled corpus. Each scenario draws from its own RNG stream, derived from the seed
 * and the scenario's position, so adding records to one scenario does not reshuffle the others.
 */
export function generateCorpus(options: CorpusOptions): DatasetRecord[] {
  const scale = options.scale ?? 1;
  const records: DatasetRecord[] = [];
  const scenarios = corpusScenarios();
  const names = new Set<string>();
  scenarios.forEach((sc, index) => {
    if (names.has(sc.name)) throw new Error(`duplicate scenario name ${sc.name}`);
    names.add(sc.name);
    const rng = new Rng(options.seed * 1_000_003 + index * 7919);
    const n = Math.max(1, Math.round(sc.count * BASE_SCALE * scale));
    for (let i = 0; i < n; i++) {
      const g = new Gen(rng);
      const out = sc.make(g);
      const { log, severity } = typeof out === 'string' ? { log: out, severity: undefined } : out;
      records.push({
        // Opaque ids: a scenario name in the id would leak the label to anything that reads ids.
        id: `soc-${sha256Hex(`${options.seed}:${sc.name}:${i}`).slice(0, 16)}`,
        log,
        source: sc.source,
        threatCategory: sc.category,
        threatType: sc.threatType,
        mitreTechnique: sc.technique,
        mitreTactic: sc.tactic,
        severity: severity ?? sc.severity,
        provenance: { origin: 'generated', tool: CORPUS_GENERATOR_VERSION, seed: options.seed, template: sc.name, license: 'MIT' },
      });
    }
  });
  return records;
}
