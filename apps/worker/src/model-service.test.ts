import { describe, expect, it } from 'vitest';
import { byteTokenizer, formatPrompt, llama2Tokenizer } from '@opensoc/model';
import { LineTokens, INSTRUCTION, trainingTarget } from './model-service.ts';

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
