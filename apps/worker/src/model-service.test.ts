import { describe, expect, it } from 'vitest';
import type { DatasetRecord } from '@opensoc/contracts';
import { byteTokenizer, formatPrompt, IncrementalScorer, llama2Tokenizer, LlamaForCausalLM, smallLlamaConfig, tf } from '@opensoc/model';
import { CONTENT_FREE_LOG, SharedPrefixes, candidatesFrom, classifyByScoring, ensureBackend, formatterOf, LineTokens, INSTRUCTION, trainingTarget } from './model-service.ts';

const logs = [
  '10.0.0.5 - - [12/Mar/2025:10:00:01 +0000] "GET /index.php?id=1%27%20OR%201=1-- HTTP/1.1" 200 512 "-" "sqlmap/1.7"',
  'Mar 12 10:00:01 web01 sshd[2211]: Failed password for invalid user admin from 203.0.113.9 port 52144 ssh2',
  '{"EventID":4625,"TargetUserName":"alice","IpAddress":"198.51.100.7","LogonType":3}\nsecond line',
];

describe('LineTokens', () => {
  for (const [name, tok] of [['llama2', llama2Tokenizer()], ['byte', byteTokenizer()]] as const) {
    it(`assembles exactly the joint ${name} encoding of prompt + response lines`, () => {
      const lt = new LineTokens(tok);
      for (const log of logs) {
        const lines = trainingTarget({ id: 'x', log, source: 'sshd', threatCategory: 'brute-force', threatType: 'SSH brute force', mitreTechnique: 'T1110.001', mitreTactic: 'credential-access', severity: 'HIGH', provenance: { origin: 'manual', tool: 't' } }).split('\n');
        expect(lt.consistent(formatPrompt(INSTRUCTION, log), lines)).toBe(true);
      }
    });
  }
});

describe('label scoring with consistent candidates', () => {
  const rec = (i: number, threatCategory: string, mitreTechnique: string | null, mitreTactic: string | null): DatasetRecord =>
    ({ id: `r${i}`, log: `log ${i}`, source: 'sshd', threatCategory, threatType: threatCategory, mitreTechnique, mitreTactic, severity: 'HIGH', provenance: { origin: 'manual', tool: 't' } }) as DatasetRecord;
  const train = [
    rec(1, 'benign', null, null), rec(2, 'brute-force', 'T1110.001', 'credential-access'), rec(3, 'brute-force', 'T1110', 'credential-access'),
    rec(4, 'sql-injection', 'T1190', 'initial-access'), rec(5, 'persistence', 'T1053.005', 'persistence'), rec(6, 'persistence', 'T1053.005', 'execution'),
  ];
  const seen = new Set(train.map((r) => `${r.threatCategory}|${r.mitreTechnique}|${r.mitreTactic}`));

  it('only answers categories, and technique and tactic combinations for the chosen category, that the training records carry', async () => {
    await ensureBackend();
    const tokenizer = llama2Tokenizer();
    const model = LlamaForCausalLM.random(smallLlamaConfig({ vocabSize: tokenizer.vocabSize, hiddenSize: 32, numHiddenLayers: 1, numAttentionHeads: 2, numKeyValueHeads: 1, intermediateSize: 64, maxPositionEmbeddings: 256, bosTokenId: tokenizer.bosId, eosTokenId: tokenizer.eosId }), { seed: 3 });
    const m = { model, tokenizer, dir: '', chatTemplate: null, addBos: true };
    try {
      const c = candidatesFrom(train, { consistent: true });
      for (const log of [...logs, 'Mar 12 cron[1]: (root) CMD (/tmp/.x)', 'GET /../../etc/passwd', 'powershell -enc SQBFAFgA', 'DNS query aGVsbG8.evil.example']) {
        const p = classifyByScoring(m, log, c, 128);
        expect(train.some((r) => r.threatCategory === p.threatCategory), `category ${p.threatCategory} is one training records carry`).toBe(true);
        expect(seen.has(`${p.threatCategory}|${p.mitreTechnique}|${p.mitreTactic}`), JSON.stringify(p)).toBe(true);
      }
    } finally {
      model.dispose();
    }
  });
});

describe('shared prompt prefixes in label scoring', () => {
  it('scores exactly as from scratch, for the instruction prefix and the content-free prompt, and frees its caches', async () => {
    await ensureBackend();
    const tokenizer = llama2Tokenizer();
    const model = LlamaForCausalLM.random(smallLlamaConfig({ vocabSize: tokenizer.vocabSize, hiddenSize: 32, numHiddenLayers: 2, numAttentionHeads: 2, numKeyValueHeads: 1, intermediateSize: 64, maxPositionEmbeddings: 256, bosTokenId: tokenizer.bosId, eosTokenId: tokenizer.eosId }), { seed: 4 });
    const m = { model, tokenizer, dir: '', chatTemplate: null, addBos: true };
    const before = tf.memory().numTensors;
    const prefixes = new SharedPrefixes(m);
    try {
      const f = formatterOf(m);
      const conts = [tokenizer.encode(' HIGH\n'), tokenizer.encode(' LOW\n'), tokenizer.encode(' CRITICAL\n')];
      for (const log of [...logs, CONTENT_FREE_LOG]) {
        const ids = f.promptIds(log);
        const shared = prefixes.scorer(tokenizer, ids);
        const scratch = new IncrementalScorer(model, tokenizer, ids);
        const a = shared.score(conts).scores;
        const b = scratch.score(conts).scores;
        a.forEach((x, i) => expect(Math.abs(x - b[i]!)).toBeLessThan(1e-4));
        shared.dispose();
        scratch.dispose();
      }
      const train = [{ id: 'a', log: 'x', source: 'sshd', threatCategory: 'benign', threatType: 'b', mitreTechnique: null, mitreTactic: null, severity: 'LOW', provenance: { origin: 'manual', tool: 't' } }] as DatasetRecord[];
      const c = candidatesFrom(train, { consistent: true });
      for (const scoring of ['sum', 'calibrated'] as const) {
        for (const log of logs) expect(classifyByScoring(m, log, c, { maxSequenceLength: 128, scoring, prefixes })).toEqual(classifyByScoring(m, log, c, { maxSequenceLength: 128, scoring }));
      }
    } finally {
      prefixes.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});
