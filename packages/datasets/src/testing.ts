import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DatasetRecord } from '@opensoc/contracts';

/** Test support (not exported from the package): paths to the repository and the shared read-only data. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const sharedData = resolve(repoRoot, '../shared/data');
export const attackTablePath = resolve(repoRoot, 'datasets/attack/enterprise-attack-techniques.json');
export const openSocAiDir = resolve(sharedData, 'opensoc-ai');
export const hasAttackTable = existsSync(attackTablePath);
export const hasOpenSocAi = existsSync(resolve(openSocAiDir, 'soc_train.json')) && existsSync(resolve(openSocAiDir, 'soc_eval.json'));
export const MISSING_DATA = `shared data not found at ${sharedData}; these tests need ../shared/data beside the repository`;

/** A valid record with overrides. */
export const rec = (id: string, over: Partial<DatasetRecord> = {}): DatasetRecord => ({
  id,
  log: `Failed password for root from 10.0.0.${id.length} port 22 ssh2`,
  source: 'sshd',
  threatCategory: 'brute-force',
  threatType: 'SSH password guessing',
  mitreTechnique: 'T1110.001',
  mitreTactic: 'credential-access',
  severity: 'HIGH',
  provenance: { origin: 'manual', tool: 'test' },
  ...over,
});
