import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments, parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '@opensoc/config';
import { repoRoot } from './support/services.ts';

const read = (p: string) => readFileSync(path.join(repoRoot, p), 'utf8');
type Obj = Record<string, any>;

describe('production manifests (cannot run here: validated structurally)', () => {
  it('compose: every service is buildable, dependencies exist, OpenSOC env passes our config schema', () => {
    const compose = parse(read('infra/compose/docker-compose.yml'), { merge: true }) as Obj;
    const env = Object.fromEntries(read('infra/compose/.env.example').trim().split('\n').map((l) => l.split('=') as [string, string]));
    const names = Object.keys(compose.services);
    expect(names).toEqual(expect.arrayContaining(['postgres', 'temporal', 'minio', 'api', 'worker-orchestration', 'worker-train']));
    for (const [name, svc] of Object.entries<Obj>(compose.services)) {
      expect(svc.image ?? svc.build, `${name} needs an image or build`).toBeTruthy();
      for (const dep of Object.keys(svc.depends_on ?? {})) expect(names, `${name} depends on ${dep}`).toContain(dep);
      if (svc.build) {
        const vars = Object.fromEntries(Object.entries<string>(svc.environment ?? {}).map(([k, v]) => [k, String(v).replace(/\$\{(\w+)\}/g, (_, n) => env[n] ?? '')]));
        expect(() => loadConfig(vars), `${name} environment`).not.toThrow();
        expect(loadConfig(vars).temporal.mode, `${name} must use the real Temporal`).toBe('external');
      }
    }
    // Training workers never get database credentials.
    expect(compose.services['worker-train'].environment.DATABASE_URL).toBeUndefined();
  });

  it('kubernetes: well-formed objects whose references all resolve', () => {
    const docs = parseAllDocuments(read('infra/k8s/opensoc.yaml')).map((d) => d.toJS() as Obj);
    const secret = parse(read('infra/k8s/secret.example.yaml')) as Obj;
    const configMaps = new Set(docs.filter((d) => d.kind === 'ConfigMap').map((d) => d.metadata.name));
    const workloads = docs.filter((d) => d.kind === 'Deployment' || d.kind === 'StatefulSet');
    for (const d of docs) {
      expect(d.apiVersion && d.kind && d.metadata?.name, JSON.stringify(d).slice(0, 80)).toBeTruthy();
      if (d.kind !== 'Namespace') expect(d.metadata.namespace).toBe('opensoc');
    }
    for (const w of workloads) {
      const labels = w.spec.template.metadata.labels;
      for (const [k, v] of Object.entries(w.spec.selector.matchLabels)) expect(labels[k], `${w.metadata.name} selector`).toBe(v);
      for (const c of w.spec.template.spec.containers) {
        expect(c.image, `${w.metadata.name}/${c.name} image`).toMatch(/:/);
        for (const e of c.env ?? []) {
          const ref = e.valueFrom?.secretKeyRef;
          if (ref) {
            expect(ref.name).toBe(secret.metadata.name);
            expect(Object.keys(secret.stringData), `${w.metadata.name} uses secret key ${ref.key}`).toContain(ref.key);
          }
        }
        for (const f of c.envFrom ?? []) expect(configMaps).toContain(f.configMapRef.name);
      }
    }
    for (const s of docs.filter((d) => d.kind === 'Service')) {
      expect(workloads.some((w) => Object.entries(s.spec.selector).every(([k, v]) => w.spec.template.metadata.labels[k] === v)), `service ${s.metadata.name} selects a workload`).toBe(true);
    }
    const cm = docs.find((d) => d.kind === 'ConfigMap')!.data;
    expect(() => loadConfig({ ...cm, DATABASE_URL: secret.stringData['database-url'] })).not.toThrow();
  });
});
