import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectPostgres, revokeApiToken, setReproductionStatus, sql } from '@opensoc/db';
import { ArtifactStore } from '@opensoc/storage';
import { createApiToken, createApp } from '@opensoc/api';
import { freshDatabase } from './support/databases.ts';
import { createTestApi, type TestApi } from './support/seed-leaderboard.ts';
import { testConnections } from './support/services.ts';

let t: TestApi;
let writeToken: string;
let readToken: string;
let revokedToken: string;

beforeAll(async () => {
  t = await createTestApi('apitest');
  writeToken = (await createApiToken(t.handle.db, 'ci', ['read', 'write'])).secret;
  readToken = (await createApiToken(t.handle.db, 'viewer', ['read'])).secret;
  const revoked = await createApiToken(t.handle.db, 'old', ['write']);
  await revokeApiToken(t.handle.db, revoked.id);
  revokedToken = revoked.secret;
});
afterAll(async () => { await t?.close(); });

const get = (path: string, headers: Record<string, string> = {}) => t.app.request(path, { headers });
const post = (path: string, body: unknown, token?: string, headers: Record<string, string> = {}) =>
  t.app.request(path, {
    method: 'POST',
    body: typeof body === 'string' ? body : JSON.stringify(body),
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
  });
const enc = encodeURIComponent;

async function expectProblem(res: Response, status: number, param?: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toContain('application/problem+json');
  const body = await res.json() as { type: string; title: string; status: number; detail: string; errors?: { name: string }[] };
  expect(body.status).toBe(status);
  expect(body.type).toMatch(/^urn:opensoc:problem:/);
  expect(typeof body.title).toBe('string');
  expect(typeof body.detail).toBe('string');
  if (param) expect(body.errors?.map((e) => e.name)).toContain(param);
  return body;
}

const validSpec = {
  name: 'api-launch',
  dataset: `corpus@${'a'.repeat(12)}`,
  split: { kind: 'template-grouped-kfold', k: 3 },
  baseModel: { kind: 'pretrain' },
  search: { kind: 'grid', grid: { ranks: [4], alphas: [8] } },
};

describe('leaderboard', () => {
  it('lists entries sorted by accuracy with intervals, p-values, reproduction status and run links', async () => {
    const res = await get('/v1/leaderboard?task=threatCategory');
    expect(res.status).toBe(200);
    const body = await res.json() as { items: any[]; nextCursor: string | null };
    expect(body.items).toHaveLength(12);
    const accs = body.items.map((r) => r.accuracy.value);
    expect(accs).toEqual([...accs].sort((a, b) => b - a));
    const top = body.items[0];
    expect(top.runId).toBe(t.seeded.bestRunId);
    expect(top.accuracy.low).toBeLessThan(top.accuracy.value);
    expect(top.accuracy.high).toBeGreaterThan(top.accuracy.value);
    expect(top.pVsBestBaseline).toEqual({ raw: expect.any(Number), adjusted: expect.any(Number), direction: 'better', onlyThis: expect.any(Number), onlyOther: expect.any(Number) });
    expect(top.reproductionStatus).toBe('reproduced');
    expect(top.links.run).toBe(`/v1/runs/${enc(t.seeded.bestRunId)}`);
    expect(body.items.filter((r) => r.baseline)).toHaveLength(3);
    expect(body.nextCursor).toBeNull();
  });

  it('filters by dataset (name and name@hashprefix), mode, family, splitKind and evalSet', async () => {
    const prefix = t.seeded.datasetHash.slice(0, 10);
    const cases: [string, number][] = [
      [`dataset=corpus&task=severity`, 12],
      [`dataset=corpus@${prefix}&task=severity`, 12],
      [`dataset=corpus@ffff0000`, 0],
      [`dataset=other`, 0],
      [`mode=baseline`, 6],
      [`mode=label-scoring&task=threatCategory`, 9],
      [`family=tfidf-logreg`, 2],
      [`splitKind=template-grouped-kfold&task=threatCategory`, 12],
      [`splitKind=stratified-kfold`, 0],
      [`evalSet=cv&task=threatCategory`, 12],
      [`evalSet=corpus@latest`, 0],
    ];
    for (const [q, n] of cases) {
      const res = await get(`/v1/leaderboard?${q}`);
      expect(res.status, q).toBe(200);
      expect(((await res.json()) as { items: unknown[] }).items, q).toHaveLength(n);
    }
  });

  it('pages with a stable opaque cursor for every sort key and order', async () => {
    for (const sort of ['accuracy', 'macroF1', 'foldMean']) {
      for (const order of ['asc', 'desc']) {
        const all = (await (await get(`/v1/leaderboard?sort=${sort}&order=${order}&limit=200`)).json()) as { items: { id: string }[] };
        const seen: string[] = [];
        let cursor: string | null = null;
        do {
          const res = await get(`/v1/leaderboard?sort=${sort}&order=${order}&limit=5${cursor ? `&cursor=${cursor}` : ''}`);
          expect(res.status).toBe(200);
          const page = (await res.json()) as { items: { id: string }[]; nextCursor: string | null };
          seen.push(...page.items.map((i) => i.id));
          cursor = page.nextCursor;
        } while (cursor);
        expect(seen, `${sort} ${order}`).toEqual(all.items.map((i) => i.id));
        expect(new Set(seen).size).toBe(24);
      }
    }
  });

  it('rejects a cursor made for another sort, and garbage cursors, naming the parameter', async () => {
    const first = (await (await get('/v1/leaderboard?limit=2')).json()) as { nextCursor: string };
    await expectProblem(await get(`/v1/leaderboard?sort=macroF1&limit=2&cursor=${first.nextCursor}`), 400, 'cursor');
    await expectProblem(await get('/v1/leaderboard?cursor=bm90LWEtY3Vyc29y'), 400, 'cursor');
    await expectProblem(await get('/v1/leaderboard?cursor=%27%20OR%201%3D1--'), 400, 'cursor');
  });

  it('answers invalid parameters with 400 problem+json naming each one', async () => {
    await expectProblem(await get('/v1/leaderboard?task=nope'), 400, 'task');
    await expectProblem(await get('/v1/leaderboard?sort=loss'), 400, 'sort');
    await expectProblem(await get('/v1/leaderboard?order=sideways'), 400, 'order');
    await expectProblem(await get('/v1/leaderboard?limit=0'), 400, 'limit');
    await expectProblem(await get('/v1/leaderboard?limit=abc'), 400, 'limit');
    await expectProblem(await get('/v1/leaderboard?dataset=Corpus%20X'), 400, 'dataset');
    await expectProblem(await get('/v1/leaderboard?bogus=1'), 400, 'bogus');
    const both = await expectProblem(await get('/v1/leaderboard?task=x&mode=y'), 400);
    expect(both.errors!.map((e) => e.name).sort()).toEqual(['mode', 'task']);
  });
});

describe('ETag and caching', () => {
  it('sends a strong ETag and Cache-Control and answers If-None-Match with 304', async () => {
    const res = await get('/v1/leaderboard?task=threatCategory');
    const etag = res.headers.get('etag');
    expect(etag).toMatch(/^"[0-9a-f]{40}"$/);
    expect(res.headers.get('cache-control')).toContain('max-age');
    const again = await get('/v1/leaderboard?task=threatCategory', { 'if-none-match': etag! });
    expect(again.status).toBe(304);
    expect(again.headers.get('etag')).toBe(etag);
    expect(await again.text()).toBe('');
    const other = await get('/v1/leaderboard?task=severity', { 'if-none-match': etag! });
    expect(other.status).toBe(200);
    // HTML pages too.
    const page = await get('/leaderboard');
    const p304 = await get('/leaderboard', { 'if-none-match': page.headers.get('etag')! });
    expect(p304.status).toBe(304);
  });
});

describe('sweeps, runs, compare, datasets, reproductions', () => {
  it('lists sweeps and shows one with progress and runs', async () => {
    const list = (await (await get('/v1/sweeps')).json()) as { items: { id: string; progress: { done: number; total: number } }[] };
    expect(list.items.map((s) => s.id)).toContain(t.seeded.sweepId);
    const res = await get(`/v1/sweeps/${t.seeded.sweepId}`);
    expect(res.status).toBe(200);
    const s = (await res.json()) as any;
    expect(s.progress).toEqual({ done: 27, total: 36, fraction: 0.75 });
    expect(s.runs).toHaveLength(12);
    expect(s.spec.search.grid.ranks).toEqual([4, 8, 16]);
    expect((await (await get('/v1/sweeps?status=completed')).json() as { items: unknown[] }).items).toHaveLength(0);
    await expectProblem(await get('/v1/sweeps/does-not-exist'), 404);
  });

  it('marks partial rows (a sweep still aggregating) in the JSON, on the leaderboard and on the sweep page, with their n', async () => {
    const id = t.seeded.sweepId;
    const fresh = createApp({ db: t.handle.db, store: t.store, auth: { readsPublic: true }, logger: () => {}, readCacheMs: 0 });
    await t.handle.db.execute(sql`UPDATE leaderboard_entries SET partial = true WHERE sweep_id = ${id}`);
    try {
      const rows = ((await (await fresh.request(`/v1/leaderboard?sweep=${enc(id)}&task=threatCategory`)).json()) as { items: { partial: boolean; n: number }[] }).items;
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.every((r) => r.partial && r.n > 0)).toBe(true);
      const board = await (await fresh.request(`/leaderboard?sweep=${enc(id)}&task=threatCategory`)).text();
      expect(board.match(/class="badge partial"/g)?.length).toBe(rows.length);
      const page = await (await fresh.request(`/sweeps/${enc(id)}`)).text();
      expect(page).toContain('Partial results: aggregated from the units finished so far');
      expect(page).toMatch(/class="badge partial"[^>]*>partial</);
    } finally {
      await t.handle.db.execute(sql`UPDATE leaderboard_entries SET partial = false WHERE sweep_id = ${id}`);
    }
    // Final rows carry neither the badge nor the banner.
    const page = await (await fresh.request(`/sweeps/${enc(id)}`)).text();
    expect(page).not.toContain('Partial results:');
    expect(page).not.toMatch(/class="badge partial"[^>]*>partial</);
  });

  it('shows a run: lineage, pooled and per-fold metrics, confusion matrices, loss curve, leakage and presigned links', async () => {
    const res = await get(`/v1/runs/${enc(t.seeded.bestRunId)}`);
    expect(res.status).toBe(200);
    const r = (await res.json()) as any;
    expect(r.lineage).toMatchObject({ codeCommit: expect.stringMatching(/^[0-9a-f]{40}$/), datasetHash: t.seeded.datasetHash, splitHash: t.seeded.splitHash, seed: 1 });
    expect(r.pooled.map((e: any) => e.task).sort()).toEqual(['severity', 'threatCategory']);
    expect(r.folds).toHaveLength(3);
    expect(r.folds[0].metrics[0]).toMatchObject({ task: 'threatCategory', n: 40, accuracy: expect.any(Number) });
    const cm = r.confusion.find((c: any) => c.task === 'threatCategory');
    expect(cm.labels).toHaveLength(5);
    expect(cm.matrix.flat().reduce((s: number, x: number) => s + x, 0)).toBe(120);
    expect(r.trainingCurve).toHaveLength(3);
    expect(r.trainingCurve[0].points).toHaveLength(20);
    expect(r.leakage.total.leakedRecords).toBe(2);
    const preds = r.artifacts.filter((a: any) => a.kind === 'predictions');
    const adapters = r.artifacts.filter((a: any) => a.kind === 'adapter');
    expect(preds).toHaveLength(3);
    expect(adapters).toHaveLength(3);
    const url = new URL(preds[0].url);
    expect(url.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
    expect(Number(url.searchParams.get('X-Amz-Expires'))).toBeLessThanOrEqual(360);
    expect(r.reproductions).toHaveLength(1);
    // The link really downloads the object from the real S3 server.
    await t.store.putBytes(preds[0].key, new TextEncoder().encode('{"recordId":"r1"}\n'), 'application/x-ndjson');
    const download = await fetch(preds[0].url);
    expect(download.status).toBe(200);
    expect(await download.text()).toBe('{"recordId":"r1"}\n');
    // Unencoded slashes do not reach the run route.
    await expectProblem(await get(`/v1/runs/${t.seeded.bestRunId}`), 404);
    await expectProblem(await get(`/v1/runs/${enc('sweep-demo/none/s1')}`), 404);
  });

  it('returns stored comparisons oriented A→B, and 404 when none is stored', async () => {
    const a = t.seeded.bestRunId;
    const b = t.seeded.bestBaselineRunId;
    const res = await get(`/v1/compare?a=${enc(a)}&b=${enc(b)}`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as any;
    expect(body.comparisons).toHaveLength(2);
    const tc = body.comparisons.find((c: any) => c.task === 'threatCategory');
    expect(tc.contingency).toEqual({ onlyA: 19, onlyB: 6, n: 120 });
    const sev = body.comparisons.find((c: any) => c.task === 'severity');
    expect(sev.contingency).toEqual({ onlyA: 15, onlyB: 4, n: 120 }); // stored as (baseline, best): flipped
    const reversed = (await (await get(`/v1/compare?a=${enc(b)}&b=${enc(a)}&task=threatCategory`)).json()) as any;
    expect(reversed.comparisons[0].contingency).toEqual({ onlyA: 6, onlyB: 19, n: 120 });
    await expectProblem(await get(`/v1/compare?a=${enc(a)}&b=${enc(t.seeded.loraRunIds[0]!)}&task=severity`), 404);
    await expectProblem(await get(`/v1/compare?a=${enc(a)}`), 400, 'b');
  });

  it('lists dataset versions and shows one with stats, parent and split leakage', async () => {
    const list = (await (await get('/v1/datasets')).json()) as { items: { hash: string }[] };
    expect(list.items).toHaveLength(2);
    for (const version of [t.seeded.datasetHash, t.seeded.datasetHash.slice(0, 8), 'latest']) {
      const res = await get(`/v1/datasets/corpus/versions/${version}`);
      expect(res.status, version).toBe(200);
      const v = (await res.json()) as any;
      expect(v.hash).toBe(t.seeded.datasetHash);
      expect(v.parent.hash).toBe(t.seeded.parentHash);
      expect(v.splits).toHaveLength(2);
      expect(v.stats.bySource['http-access']).toBe(96);
    }
    await expectProblem(await get('/v1/datasets/corpus/versions/0000000000'), 404);
    await expectProblem(await get('/v1/datasets/corpus/versions/xyz'), 400, 'version');
  });

  it('shows the reproductions of an entry', async () => {
    const res = await get(`/v1/reproductions/${enc(t.seeded.topEntryId)}`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as any;
    expect(body.entry.id).toBe(t.seeded.topEntryId);
    expect(body.reproductions[0]).toMatchObject({ status: 'reproduced', tolerance: 0.01, verdict: { withinTolerance: true } });
    await expectProblem(await get('/v1/reproductions/nope'), 404);
  });
});

describe('writes and auth', () => {
  it('refuses writes without a token (401), with a read token (403) and with a revoked one (401)', async () => {
    const none = await post('/v1/sweeps', validSpec);
    await expectProblem(none, 401);
    expect(none.headers.get('www-authenticate')).toContain('Bearer');
    await expectProblem(await post('/v1/sweeps', validSpec, readToken), 403);
    await expectProblem(await post('/v1/sweeps', validSpec, revokedToken), 401);
    await expectProblem(await post('/v1/sweeps', validSpec, 'osk_made-up-token'), 401);
    await expectProblem(await post('/v1/sweeps', validSpec, undefined, { authorization: 'Basic dXNlcjpwYXNz' }), 401);
    expect(t.started).toHaveLength(0);
  });

  it('launches a sweep through startSweep with the parsed spec, and validates the body', async () => {
    const res = await post('/v1/sweeps', validSpec, writeToken);
    expect(res.status).toBe(202);
    const body = (await res.json()) as { sweepId: string };
    expect(res.headers.get('location')).toBe(`/v1/sweeps/${body.sweepId}`);
    expect(t.started.at(-1)).toMatchObject({ name: 'api-launch', seeds: [1], modes: ['label-scoring', 'generate-fuzzy'] }); // defaults applied
    expect((await get(`/v1/sweeps/${body.sweepId}`)).status).toBe(200);
    await expectProblem(await post('/v1/sweeps', { ...validSpec, dataset: 'corpus@not-a-hash' }, writeToken), 400, 'dataset');
    await expectProblem(await post('/v1/sweeps', { ...validSpec, search: { kind: 'grid', grid: { ranks: [0], alphas: [8] } } }, writeToken), 400, 'search.grid.ranks.0');
    await expectProblem(await post('/v1/sweeps', '{"name": ', writeToken), 400);
  });

  it('limits the request body size', async () => {
    const huge = { ...validSpec, name: 'x'.repeat(300 * 1024) };
    await expectProblem(await post('/v1/sweeps', huge, writeToken), 413);
  });

  it('cancels a running sweep, and refuses a finished or unknown one', async () => {
    const launched = (await (await post('/v1/sweeps', validSpec, writeToken)).json()) as { sweepId: string };
    await expectProblem(await post(`/v1/sweeps/${launched.sweepId}/cancel`, {}), 401);
    const res = await post(`/v1/sweeps/${launched.sweepId}/cancel`, {}, writeToken);
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ sweepId: launched.sweepId, status: 'cancelling' });
    await expectProblem(await post(`/v1/sweeps/${launched.sweepId}/cancel`, {}, writeToken), 409);
    await expectProblem(await post('/v1/sweeps/unknown/cancel', {}, writeToken), 404);
  });

  it('starts a reproduction of an entry', async () => {
    const entryId = t.seeded.entryIds.find((id) => id.includes('tfidf-logreg'))!;
    const res = await post('/v1/reproductions', { entryId, tolerance: 0.02 }, writeToken);
    expect(res.status).toBe(202);
    const body = (await res.json()) as { reproductionId: string };
    const list = (await (await get(`/v1/reproductions/${enc(entryId)}`)).json()) as any;
    expect(list.reproductions[0]).toMatchObject({ id: body.reproductionId, status: 'running', tolerance: 0.02 });
    expect(list.entry.reproductionStatus).toBe('running');
    await expectProblem(await post('/v1/reproductions', { entryId: 'missing', tolerance: 0.02 }, writeToken), 404);
    await expectProblem(await post('/v1/reproductions', { entryId, tolerance: 2 }, writeToken), 400, 'tolerance');
  });

  it('can require a read token for reads', async () => {
    const app = createApp({ db: t.handle.db, store: t.store, auth: { readsPublic: false }, logger: () => {} });
    await expectProblem(await app.request('/v1/leaderboard'), 401);
    expect((await app.request('/v1/leaderboard', { headers: { authorization: `Bearer ${readToken}` } })).status).toBe(200);
    expect((await app.request('/v1/leaderboard', { headers: { authorization: `Bearer ${writeToken}` } })).status).toBe(200);
    await expectProblem(await app.request('/v1/leaderboard', { headers: { authorization: `Bearer ${revokedToken}` } }), 401);
    expect((await app.request('/healthz')).status).toBe(200);
    expect((await app.request('/openapi.json')).status).toBe(200);
  });

  it('answers write routes with 503 when no orchestration is plugged in', async () => {
    const app = createApp({ db: t.handle.db, store: t.store, auth: { readsPublic: true }, logger: () => {} });
    await expectProblem(await app.request('/v1/sweeps', { method: 'POST', body: JSON.stringify(validSpec), headers: { 'content-type': 'application/json', authorization: `Bearer ${writeToken}` } }), 503);
  });
});

describe('hostile input', () => {
  const attacks = [`' OR 1=1--`, `'; DROP TABLE runs;--`, '../../etc/passwd', '..%2F..%2Fetc%2Fpasswd', '%00', 'a%00b', '%2e%2e%2f', '<script>alert(1)</script>', '%', '_', 'x'.repeat(5000)];

  async function counts() {
    const res = await t.handle.db.execute(sql`SELECT (SELECT count(*) FROM runs)::int AS runs, (SELECT count(*) FROM leaderboard_entries)::int AS entries, (SELECT count(*) FROM sweeps)::int AS sweeps, (SELECT count(*) FROM api_tokens)::int AS tokens, (SELECT count(*) FROM comparisons)::int AS comparisons`);
    return (res as unknown as { rows: unknown[] }).rows[0];
  }

  it('answers injection and traversal attempts in every parameter with 400 or 404, changing nothing', async () => {
    const before = await counts();
    const statuses: Record<string, number> = {};
    for (const raw of attacks) {
      const v = raw.includes('%') && raw.length < 20 ? raw : enc(raw);
      const urls = [
        ...['dataset', 'task', 'splitKind', 'mode', 'family', 'evalSet', 'sort', 'order', 'limit', 'cursor'].map((p) => `/v1/leaderboard?${p}=${v}`),
        `/v1/sweeps?status=${v}`, `/v1/sweeps?limit=${v}`,
        `/v1/sweeps/${v}`, `/v1/runs/${v}`, `/v1/reproductions/${v}`,
        `/v1/compare?a=${v}&b=x`, `/v1/compare?a=x&b=${v}`, `/v1/compare?a=x&b=y&task=${v}`, `/v1/compare?a=x&b=y&mode=${v}`,
        `/v1/datasets/${v}/versions/latest`, `/v1/datasets/corpus/versions/${v}`,
        `/leaderboard?task=${v}`, `/runs/${v}`, `/sweeps/${v}`, `/datasets/corpus/versions/${v}`, `/compare?a=${v}&b=x`,
      ];
      for (const url of urls) {
        const res = await get(url);
        statuses[url] = res.status;
        expect([400, 404], url).toContain(res.status);
        const text = await res.text();
        expect(text, url).not.toContain('<script>alert(1)</script>');
        expect(text, url).not.toMatch(/root:x:0:0/);
      }
      for (const [path, body] of [
        ['/v1/sweeps', { ...validSpec, name: raw }],
        ['/v1/sweeps', { ...validSpec, dataset: raw }],
        ['/v1/reproductions', { entryId: raw, tolerance: 0.01 }],
      ] as const) {
        const res = await post(path, body, writeToken);
        expect([400, 404], `${path} ${raw}`).toContain(res.status);
      }
      const cancel = await post(`/v1/sweeps/${v}/cancel`, {}, writeToken);
      expect([400, 404], `cancel ${raw}`).toContain(cancel.status);
    }
    expect(await counts()).toEqual(before);
    // Still intact and serving.
    expect((await get('/v1/leaderboard')).status).toBe(200);
  });

  it('escapes user data in pages', async () => {
    const res = await get(`/compare?a=${enc('<script>x</script>')}&b=y`);
    expect([400, 404]).toContain(res.status);
    expect(await res.text()).not.toContain('<script>x</script>');
  });
});

describe('operations', () => {
  it('serves an OpenAPI 3.1 document describing every route', async () => {
    const doc = (await (await get('/openapi.json')).json()) as any;
    expect(doc.openapi).toBe('3.1.0');
    for (const p of ['/v1/leaderboard', '/v1/sweeps', '/v1/sweeps/{id}', '/v1/sweeps/{id}/cancel', '/v1/runs/{id}', '/v1/compare', '/v1/datasets', '/v1/datasets/{name}/versions/{version}', '/v1/reproductions', '/v1/reproductions/{entryId}', '/healthz', '/readyz']) {
      expect(doc.paths[p], p).toBeDefined();
    }
    expect(doc.paths['/v1/sweeps'].post.security).toEqual([{ bearerAuth: [] }]);
    expect(doc.components.schemas.SweepSpec).toBeDefined();
  });

  it('logs structured access lines', async () => {
    t.logs.length = 0;
    await get('/v1/leaderboard?task=severity');
    await get('/v1/leaderboard?task=bad');
    expect(t.logs).toEqual([
      expect.objectContaining({ method: 'GET', path: '/v1/leaderboard', status: 200, ms: expect.any(Number), level: 'info' }),
      expect.objectContaining({ method: 'GET', path: '/v1/leaderboard', status: 400, level: 'warn' }),
    ]);
  });

  it('serves reads from a short micro-cache that writes through the API clear', async () => {
    const app = createApp({ db: t.handle.db, store: t.store, auth: { readsPublic: true }, logger: () => {}, readCacheMs: 60_000, startReproduction: async () => ({ reproductionId: 'r-cache' }) });
    const entryId = t.seeded.entryIds.find((id) => id.includes('majority') && id.endsWith('severity:cv'))!;
    const url = `/v1/leaderboard?family=majority&task=severity`;
    const status = async () => ((await (await app.request(url)).json()) as { items: { reproductionStatus: string }[] }).items[0]!.reproductionStatus;
    expect(await status()).toBe('none');
    await setReproductionStatus(t.handle.db, entryId, 'running'); // a worker writing directly
    expect(await status()).toBe('none'); // served from the cache within its TTL
    const res = await app.request('/v1/reproductions', { method: 'POST', body: JSON.stringify({ entryId }), headers: { 'content-type': 'application/json', authorization: `Bearer ${writeToken}` } });
    expect(res.status).toBe(202);
    expect(await status()).toBe('running'); // the write cleared it
    const uncached = createApp({ db: t.handle.db, store: t.store, auth: { readsPublic: true }, logger: () => {}, readCacheMs: 0 });
    await setReproductionStatus(t.handle.db, entryId, 'none');
    expect(((await (await uncached.request(url)).json()) as { items: { reproductionStatus: string }[] }).items[0]!.reproductionStatus).toBe('none');
  });

  it('sends CORS headers for configured origins only', async () => {
    const app = createApp({ db: t.handle.db, store: t.store, auth: { readsPublic: true }, cors: { origins: ['https://review.example'] }, logger: () => {} });
    const ok = await app.request('/v1/leaderboard', { headers: { origin: 'https://review.example' } });
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://review.example');
    const other = await app.request('/v1/leaderboard', { headers: { origin: 'https://evil.example' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('reports health, readiness, and a dead database as 503', async () => {
    expect(await (await get('/healthz')).json()).toEqual({ status: 'ok' });
    const ready = await get('/readyz');
    expect(ready.status).toBe(200);
    expect(((await ready.json()) as any).checks).toMatchObject({ database: { ok: true }, s3: { ok: true } });

    const dead = await connectPostgres(await freshDatabase('apidead'));
    await dead.close();
    const app = createApp({ db: dead.db, store: t.store, auth: { readsPublic: true }, logger: () => {}, readyTimeoutMs: 1000 });
    const res = await app.request('/readyz');
    expect(res.status).toBe(503);
    const body = (await res.json()) as any;
    expect(body.checks.database.ok).toBe(false);
    expect(body.checks.s3.ok).toBe(true);

    const c = testConnections();
    const noBucket = new ArtifactStore({ endpoint: c.s3Endpoint, region: 'us-east-1', bucket: 'no-such-bucket-here', accessKeyId: c.s3AccessKey, secretAccessKey: c.s3SecretKey });
    const app2 = createApp({ db: t.handle.db, store: noBucket, auth: { readsPublic: true }, logger: () => {}, readyTimeoutMs: 3000 });
    const res2 = await app2.request('/readyz');
    expect(res2.status).toBe(503);
    expect(((await res2.json()) as any).checks.s3.ok).toBe(false);
    noBucket.destroy();
  });
});

describe('pages', () => {
  it('renders every page as escaped, accessible HTML under 200 KB', async () => {
    const paths = [
      '/', '/leaderboard', '/leaderboard?task=threatCategory&sort=macroF1&order=asc', '/leaderboard?task=&mode=', '/sweeps', `/sweeps/${t.seeded.sweepId}`,
      `/runs/${enc(t.seeded.bestRunId)}`, `/runs/${enc(t.seeded.baselineRunIds[0]!)}`, '/compare', `/compare?a=${enc(t.seeded.bestRunId)}&b=${enc(t.seeded.bestBaselineRunId)}`,
      '/datasets', `/datasets/corpus/versions/${t.seeded.datasetHash}`,
    ];
    for (const p of paths) {
      const res = await get(p);
      expect(res.status, p).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/html');
      const html = await res.text();
      expect(html.startsWith('<!doctype html>'), p).toBe(true);
      expect(html.length, p).toBeLessThan(200 * 1024);
      expect(html).toContain('<html lang="en">');
    }
    const lb = await (await get('/leaderboard?task=threatCategory')).text();
    expect(lb).toContain('★');
    expect(lb).toMatch(/<th scope="col"/);
    expect(lb).toContain('href="/leaderboard?task=threatCategory&amp;sort=accuracy&amp;order=asc"');
    const run = await (await get(`/runs/${enc(t.seeded.bestRunId)}`)).text();
    expect(run).toMatch(/<svg class="heatmap"[^>]*role="img"/);
    expect(run).toContain('class="loss"');
    expect(run).toContain('X-Amz-Signature');
    const sweep = await (await get(`/sweeps/${t.seeded.sweepId}`)).text();
    expect(sweep).toContain('LoRA rank × alpha');
    expect((sweep.match(/<g class="cell">/g) ?? []).length).toBe(9);
    const page404 = await get('/runs/nope');
    expect(page404.status).toBe(404);
    expect(page404.headers.get('content-type')).toContain('text/html');
    const page400 = await get('/leaderboard?task=nope');
    expect(page400.status).toBe(400);
    expect(await page400.text()).toContain('task');
  });
});
