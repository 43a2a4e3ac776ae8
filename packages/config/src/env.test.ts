import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './env.ts';

describe('loadConfig', () => {
  it('uses embedded defaults when nothing is set', () => {
    const c = loadConfig({}, '/tmp/x');
    expect(c.temporal.mode).toBe('embedded');
    expect(c.database).toEqual({ mode: 'local' });
    expect(loadConfig({ OPENSOC_EMBEDDED_DB: 'pglite' }, '/tmp/x').database).toEqual({ mode: 'pglite', dir: '/tmp/x/pglite' });
    expect(c.s3.mode).toBe('embedded');
  });
  it('uses the real services when set', () => {
    const c = loadConfig({ TEMPORAL_ADDRESS: 'localhost:7233', DATABASE_URL: 'postgres://u@h:5432/db', S3_ENDPOINT: 'http://127.0.0.1:9000', S3_BUCKET: 'my-bucket' });
    expect(c.temporal).toEqual({ mode: 'external', address: 'localhost:7233', namespace: 'default' });
    expect(c.database).toEqual({ mode: 'postgres', url: 'postgres://u@h:5432/db' });
    expect(c.s3).toMatchObject({ mode: 'external', endpoint: 'http://127.0.0.1:9000', bucket: 'my-bucket' });
  });
  it('names each invalid variable', () => {
    let err: unknown;
    try { loadConfig({ TEMPORAL_ADDRESS: 'nope', DATABASE_URL: 'mysql://x', S3_BUCKET: 'Bad_Bucket' }); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(ConfigError);
    const msg = (err as Error).message;
    expect(msg).toContain('TEMPORAL_ADDRESS="nope"');
    expect(msg).toContain('DATABASE_URL');
    expect(msg).toContain('S3_BUCKET');
  });
  it('parses the compute backend and thread budget', () => {
    expect(loadConfig({}).compute).toEqual({ backend: 'auto', threads: undefined });
    expect(loadConfig({ OPENSOC_TF_BACKEND: 'wasm', OPENSOC_THREADS: '3' }).compute).toEqual({ backend: 'wasm', threads: 3 });
    expect(() => loadConfig({ OPENSOC_TF_BACKEND: 'gpu' })).toThrow(/OPENSOC_TF_BACKEND="gpu": must be auto, tensorflow, wasm or cpu/);
    expect(() => loadConfig({ OPENSOC_THREADS: '0' })).toThrow(/OPENSOC_THREADS="0"/);
  });
  it('requires both AWS keys together', () => {
    expect(() => loadConfig({ AWS_ACCESS_KEY_ID: 'a' })).toThrow(/set together/);
  });
});

describe('loadConfig: local services, workers and the API', () => {
  it('has defaults for every setting', () => {
    const c = loadConfig({});
    expect(c.local).toMatchObject({ temporalPort: 17233, postgresPort: 15432, s3Port: 18333 });
    expect(c.compute.backend).toBe('auto');
    expect(c.worker).toMatchObject({ localTrainers: 2, checkpointEvery: 20, logLevel: 'WARN' });
    expect(c.api).toEqual({ port: 8080, host: undefined, readsPublic: true, corsOrigins: [] });
  });
  it('parses what is set', () => {
    const c = loadConfig({ OPENSOC_TF_BACKEND: 'tensorflow', OPENSOC_LOCAL_TRAINERS: '0', OPENSOC_S3_PORT: '20000', API_READS_PUBLIC: 'false', API_CORS_ORIGINS: 'https://a.example, https://b.example' });
    expect(c.compute.backend).toBe('tensorflow');
    expect(c.worker.localTrainers).toBe(0);
    expect(c.local.s3Port).toBe(20000);
    expect(c.api).toMatchObject({ readsPublic: false, corsOrigins: ['https://a.example', 'https://b.example'] });
  });
  it('names each invalid one', () => {
    expect(() => loadConfig({ OPENSOC_TF_BACKEND: 'cuda' })).toThrow(/OPENSOC_TF_BACKEND="cuda"/);
    expect(() => loadConfig({ OPENSOC_S3_PORT: '60000' })).toThrow(/OPENSOC_S3_PORT="60000": must be a port between 1024 and 54535/);
    expect(() => loadConfig({ OPENSOC_EMBEDDED_DB: 'sqlite' })).toThrow(/OPENSOC_EMBEDDED_DB/);
  });
});
