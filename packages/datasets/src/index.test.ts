import { describe, expect, it } from 'vitest';
import * as datasets from './index.ts';

describe('package entry point', () => {
  it('exports the public API', () => {
    for (const name of [
      'validateJsonlFile', 'readJsonlDataset', 'validateRecords', 'formatIssue', 'loadAttackTable', 'parseAttackTable', 'checkTechnique',
      'canonicalJson', 'serializeDataset', 'datasetHash', 'prepareVersion', 'computeStats', 'diffDatasets', 'publishDatasetVersion', 'datasetObjectKey',
      'logTemplate', 'logTemplateId', 'maskLine', 'leakageReport', 'templateClusters',
      'materializeSplit', 'stratifiedKFold', 'groupedStratifiedKFold', 'leaveSourcesOut', 'fixedSplit', 'splitTemplateLeakage', 'Rng',
      'importOpenSocAiFile', 'importOpenSocAiRows', 'exportOpenSocAi', 'formatOpenSocAiJson', 'importCsvFile', 'importJsonlFile', 'parseCsv',
      'generateCorpus', 'corpusScenarios', 'renderCorpusStats',
    ]) {
      expect(typeof (datasets as Record<string, unknown>)[name], name).toBe('function');
    }
  });
});
