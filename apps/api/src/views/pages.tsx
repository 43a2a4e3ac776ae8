import { competitionRanks, RANKING_RULE, SPLIT_KINDS, TASKS } from '@opensoc/contracts';
import type { CompareResult, DatasetVersionDetail, DatasetVersionSummary, SweepDetail, SweepSummary } from '../queries.ts';
import { FAMILIES, MODES, SORT_KEYS, type LeaderboardQuery, type LeaderboardRow, type RunDetail } from '../schemas.ts';
import { Layout } from './layout.tsx';
import { BelowMajority, Partial, Sig, SignificanceLegend } from './marks.tsx';
import { Coverage, ParseFailures } from './coverage.tsx';
import { Heatmap, IntervalBar, LossCurve } from './svg.tsx';

const enc = encodeURIComponent;
const f3 = (v: number | null | undefined) => (v === null || v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(3));
const pct = (v: number | null | undefined) => (v === null || v === undefined || !Number.isFinite(v) ? '–' : `${(v * 100).toFixed(1)}%`);
export const fmtP = (p: number | null | undefined) => (p === null || p === undefined ? '–' : p < 0.001 ? '<0.001' : p.toFixed(3));
const short = (h: string, n = 12) => h.slice(0, n);

const TASK_LABELS: Record<string, string> = {
  threatCategory: 'Threat category', mitreTechnique: 'ATT&CK technique', mitreTechniqueParent: 'Technique (parent)', mitreTactic: 'ATT&CK tactic', severity: 'Severity',
};
const sortKeyValue = (r: LeaderboardRow, sort: LeaderboardQuery['sort']) => (sort === 'accuracy' ? r.accuracy.value : sort === 'macroF1' ? r.macroF1.value : (r.foldMean ?? -1));

export function qs(params: Record<string, string | number | undefined | null>): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') u.set(k, String(v));
  const s = u.toString();
  return s ? `?${s}` : '';
}

export function Badge(props: { status: string }) {
  return <span class={`badge ${props.status.replace(/[^a-z-]/g, '')}`}>{props.status}</span>;
}

/** Holm-adjusted p with the raw p beneath it. */
function PCell(props: { p: { raw: number | null; adjusted: number | null } }) {
  if (props.p.raw === null && props.p.adjusted === null) return <span class="muted">–</span>;
  return <>{fmtP(props.p.adjusted)}<br /><small class="muted">{`raw ${fmtP(props.p.raw)}`}</small></>;
}

export function HomePage() {
  return (
    <Layout title="Start">
      <h1>OpenSOC</h1>
      <p>Measured, repeatable claims about small language models classifying security logs: every number carries a confidence interval, a paired significance test against the baselines and the best entry, and a lineage that CI re-runs.</p>
      <ul>
        <li><a href="/leaderboard">Leaderboard</a>: entries by task, with intervals, significance and reproduction status</li>
        <li><a href="/sweeps">Sweeps</a>: progress and rank × alpha grids</li>
        <li><a href="/datasets">Datasets</a>: versions, statistics and split leakage</li>
        <li><a href="/compare">Compare two runs</a>: paired tests on the same records</li>
        <li><a href="/openapi.json">REST API (OpenAPI 3.1)</a></li>
      </ul>
    </Layout>
  );
}

function Select(props: { name: string; label: string; options: readonly string[]; value: string | undefined; any?: string }) {
  return (
    <label>
      {props.label}
      <select name={props.name}>
        <option value="" selected={!props.value}>{props.any ?? 'any'}</option>
        {props.options.map((o) => <option value={o} selected={props.value === o}>{o}</option>)}
      </select>
    </label>
  );
}

export function LeaderboardPage(props: { q: LeaderboardQuery; items: LeaderboardRow[]; nextCursor: string | null }) {
  const { q } = props;
  const filters = { dataset: q.dataset, sweep: q.sweep, task: q.task, splitKind: q.splitKind, mode: q.mode, family: q.family, evalSet: q.evalSet === 'cv' ? undefined : q.evalSet, limit: q.limit === 50 ? undefined : q.limit };
  const sortLink = (key: (typeof SORT_KEYS)[number]) => {
    const order = q.sort === key && q.order === 'desc' ? 'asc' : 'desc';
    return `/leaderboard${qs({ ...filters, sort: key, order })}`;
  };
  const SortTh = (p: { k: (typeof SORT_KEYS)[number]; label: string }) => {
    const active = q.sort === p.k;
    return (
      <th class="num" scope="col" aria-sort={active ? (q.order === 'desc' ? 'descending' : 'ascending') : 'none'}>
        <a href={sortLink(p.k)} data-sort={p.k}>{p.label}{active ? (q.order === 'desc' ? ' ▼' : ' ▲') : ''}</a>
      </th>
    );
  };
  const task = q.task ?? 'threatCategory';
  // Ranks are exact on the first page of a best-first listing; later pages do not know what came before.
  const ranks = !q.cursor && q.order === 'desc' ? competitionRanks(props.items, (r) => sortKeyValue(r, q.sort)) : null;
  return (
    <Layout title="Leaderboard">
      <h1>Leaderboard</h1>
      <nav class="tabs" aria-label="Task">
        {TASKS.map((t) => <a href={`/leaderboard${qs({ ...filters, task: t, sort: q.sort === 'accuracy' ? undefined : q.sort, order: q.order === 'desc' ? undefined : q.order })}`} aria-current={t === task ? 'page' : undefined}>{TASK_LABELS[t] ?? t}</a>)}
      </nav>
      <form class="filters" method="get" action="/leaderboard" aria-label="Filter the leaderboard">
        <input type="hidden" name="task" value={task} />
        <label>Dataset<input type="text" name="dataset" value={q.dataset ?? ''} placeholder="name or name@hash" size={18} /></label>
        <label>Sweep<input type="text" name="sweep" value={q.sweep ?? ''} placeholder="sweep id" size={14} /></label>
        <Select name="splitKind" label="Split" options={SPLIT_KINDS} value={q.splitKind} />
        <Select name="mode" label="Mode" options={MODES} value={q.mode} />
        <Select name="family" label="Family" options={FAMILIES} value={q.family} />
        <label>Eval set<input type="text" name="evalSet" value={q.evalSet ?? ''} placeholder="cv or a dataset name" size={14} /></label>
        <input type="hidden" name="sort" value={q.sort} />
        <input type="hidden" name="order" value={q.order} />
        <button type="submit">Filter</button>
        <a href={`/leaderboard${qs({ task })}`}>Reset</a>
      </form>
      <p class="muted">
        <SignificanceLegend />
        Bars: point estimate and 95% interval. Click a column heading to sort. Ranking: {RANKING_RULE}.
      </p>
      <div class="scroll">
        <table id="leaderboard">
          <caption>{`${props.items.length} entries for ${TASK_LABELS[task] ?? task}, sorted by ${q.sort} ${q.order === 'desc' ? 'descending' : 'ascending'}`}</caption>
          <thead>
            <tr>
              <th scope="col" class="entry">{ranks ? '# ' : ''}Entry</th>
              <SortTh k="accuracy" label="Accuracy" /><th scope="col">95% interval</th>
              <th scope="col" class="num">p vs best baseline<br /><small>Holm</small></th><th scope="col" class="num">p vs top<br /><small>Holm</small></th>
              <SortTh k="macroF1" label="Macro-F1" /><SortTh k="foldMean" label="Fold mean ± sd" />
              <th scope="col">Mode</th><th scope="col" class="num">n</th><th scope="col">Dataset</th><th scope="col">Split</th><th scope="col">Reproduction</th>
            </tr>
          </thead>
          <tbody>
            {props.items.map((r, i) => (
              <tr>
                <th scope="row" class="entry">{ranks ? <span class="rank muted">{`${ranks[i]}. `}</span> : null}<a href={r.links.html} class="run-link">{r.label}</a> <Sig row={r} /> <BelowMajority row={r} /> <Partial row={r} />{r.baseline ? <> <span class="badge baseline">{r.family}</span></> : null} <Coverage row={r} /></th>
                <td class="num">{pct(r.accuracy.value)}</td>
                <td><IntervalBar value={r.accuracy.value} low={r.accuracy.low} high={r.accuracy.high} label="accuracy" /><br /><small class="muted">{pct(r.accuracy.low)}–{pct(r.accuracy.high)}</small></td>
                <td class="num">{r.baseline ? <span class="muted">baseline</span> : <PCell p={r.pVsBestBaseline} />}</td>
                <td class="num"><PCell p={r.pVsTop} /></td>
                <td class="num macro-f1">{f3(r.macroF1.value)}</td>
                <td class="num">{r.foldMean === null ? '–' : `${pct(r.foldMean)} ± ${pct(r.foldStd)}`}</td>
                <td>{r.mode}</td>
                <td class="num">{r.n}</td>
                <td><a href={`/datasets/${enc(r.dataset.name)}/versions/${r.dataset.hash}`}>{r.dataset.name}</a><span class="hash muted">@{short(r.dataset.hash, 8)}</span>{r.evalSet !== 'cv' ? <span class="muted"> → {r.evalSet}</span> : null}</td>
                <td>{r.splitKind}</td>
                <td><Badge status={r.reproductionStatus} /></td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {props.items.length === 0 ? <p>No entries match these filters.</p> : null}
      <nav class="pager" aria-label="Pages">
        {props.nextCursor ? <a rel="next" href={`/leaderboard${qs({ ...filters, sort: q.sort, order: q.order, cursor: props.nextCursor })}`}>Next page →</a> : null}
      </nav>
    </Layout>
  );
}

export function SweepsPage(props: { items: SweepSummary[] }) {
  return (
    <Layout title="Sweeps">
      <h1>Sweeps</h1>
      <table>
        <caption>Newest first</caption>
        <thead><tr><th scope="col">Sweep</th><th scope="col">Status</th><th scope="col">Dataset</th><th scope="col">Progress</th><th scope="col">Started</th></tr></thead>
        <tbody>
          {props.items.map((s) => (
            <tr>
              <th scope="row"><a href={s.links.html}>{s.name}</a> <span class="muted hash">{s.id}</span></th>
              <td><Badge status={s.status} /></td>
              <td>{s.dataset.name}<span class="hash muted">@{short(s.dataset.hash, 8)}</span></td>
              <td><progress max={s.progress.total || 1} value={s.progress.done}>{pct(s.progress.fraction)}</progress> {s.progress.done}/{s.progress.total}</td>
              <td>{s.createdAt}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {props.items.length === 0 ? <p>No sweeps yet.</p> : null}
    </Layout>
  );
}

export interface Grid { rowLabels: string[]; colLabels: string[]; values: (number | null)[][] }

/** Colour the grid over its own range (a little wider), so close accuracies stay distinguishable. */
function gridDomain(g: Grid): [number, number] {
  const vs = g.values.flat().filter((v): v is number => v !== null);
  const lo = Math.min(...vs);
  const hi = Math.max(...vs);
  const pad = Math.max(0.01, (hi - lo) * 0.15);
  return [Math.max(0, lo - pad), Math.min(1, hi + pad)];
}

const SWEEP_PAGE_ROWS = 50;
const SWEEP_PAGE_RUNS = 100;

/** A running sweep's time left, in words; it rests on finished units only, and says so. */
export function etaText(eta: NonNullable<SweepDetail['eta']>): string {
  if (eta.seconds === null) return `unknown until the first ${eta.waitingFor ? `${eta.waitingFor} ` : ''}unit finishes`;
  const m = Math.round(eta.seconds / 60);
  const left = eta.seconds < 90 ? `about ${Math.max(1, Math.round(eta.seconds))} s` : m < 90 ? `about ${m} min` : `about ${(eta.seconds / 3600).toFixed(1)} h`;
  return `${left}, from the durations of ${eta.finishedUnits} finished unit${eta.finishedUnits === 1 ? '' : 's'}`;
}

export function SweepPage(props: { sweep: SweepDetail; entries: LeaderboardRow[]; grid: Grid | null; gridTask: string; gridMode: string | null; modes: string[] }) {
  const s = props.sweep;
  const forTask = props.entries.filter((e) => e.task === props.gridTask);
  const shown = forTask.slice(0, SWEEP_PAGE_ROWS);
  // Entries are per evaluation set; ranks count within cross-validation and within each extra set.
  const shownRanks = shown.map((r) => 1 + forTask.filter((x) => x.evalSet === r.evalSet && x.accuracy.value > r.accuracy.value).length);
  const runs = s.runs.slice(0, SWEEP_PAGE_RUNS);
  const allEntries = `/leaderboard${qs({ sweep: s.id, task: props.gridTask })}`;
  return (
    <Layout title={`Sweep ${s.name}`}>
      <h1>Sweep {s.name} <Badge status={s.status} /></h1>
      <dl class="kv">
        <dt>Id</dt><dd class="hash">{s.id}</dd>
        <dt>Dataset</dt><dd><a href={`/datasets/${enc(s.dataset.name)}/versions/${s.dataset.hash}`}>{s.dataset.name}</a> <span class="hash">{s.dataset.hash}</span></dd>
        <dt>Progress</dt><dd><progress max={s.progress.total || 1} value={s.progress.done}>{pct(s.progress.fraction)}</progress> {s.progress.done} of {s.progress.total} units ({pct(s.progress.fraction)})</dd>
        {s.eta ? <><dt>Time left</dt><dd id="eta">{etaText(s.eta)}</dd></> : null}
        <dt>Workflow</dt><dd class="hash">{s.workflowId}</dd>
        <dt>Spec hash</dt><dd class="hash">{s.specHash}</dd>
        {s.error ? <><dt>Error</dt><dd>{s.error}</dd></> : null}
      </dl>
      <h2>Accuracy by LoRA rank × alpha</h2>
      <form method="get" class="filters" aria-label="Choose the grid's task and mode">
        <Select name="task" label="Task" options={TASKS} value={props.gridTask} any="threatCategory" />
        <Select name="mode" label="Mode" options={props.modes} value={props.gridMode ?? undefined} any="best" />
        <button type="submit">Show</button>
      </form>
      {props.grid ? (
        <figure>
          <Heatmap title={`Mean accuracy (${props.gridTask}, ${props.gridMode ?? ''})`} rowLabels={props.grid.rowLabels} colLabels={props.grid.colLabels} values={props.grid.values}
            rowAxis="rank" colAxis="alpha" domain={gridDomain(props.grid)} format={(v) => (v * 100).toFixed(1)} />
          <figcaption>Mean accuracy (%) over seeds, task {props.gridTask}, mode {props.gridMode ?? '–'}; darker is better, colours span this grid's range.</figcaption>
        </figure>
      ) : <p>No LoRA runs with rank and alpha have leaderboard rows for this task yet.</p>}
      <h2>Entries ({props.gridTask})</h2>
      {forTask.some((e) => e.partial) ? <p class="badge partial" role="status">Partial results: aggregated from the units finished so far while the sweep runs; each row's n counts the records scored so far, and the figures will change.</p> : null}
      <p class="muted">{forTask.length > shown.length ? `The best ${shown.length} of ${forTask.length}. ` : ''}<a href={allEntries}>All entries of this sweep on the leaderboard</a></p>
      <table id="entries">
        <thead><tr><th scope="col">#</th><th scope="col">Entry</th><th scope="col">Family</th><th scope="col">Mode</th><th scope="col" class="num">n</th><th scope="col" class="num">Accuracy</th><th scope="col">95% interval</th><th scope="col" class="num">p vs best baseline (Holm)</th><th scope="col">Reproduction</th></tr></thead>
        <tbody>
          {shown.map((r, i) => (
            <tr>
              <td class="num">{shownRanks[i]}</td><th scope="row"><a href={r.links.html}>{r.label}</a> <Sig row={r} /> <BelowMajority row={r} /> <Partial row={r} /></th><td>{r.family} <Coverage row={r} /></td><td>{r.mode}</td><td class="num">{r.n}</td><td class="num">{pct(r.accuracy.value)}</td>
              <td><IntervalBar value={r.accuracy.value} low={r.accuracy.low} high={r.accuracy.high} label="accuracy" /></td>
              <td class="num">{r.baseline ? 'baseline' : fmtP(r.pVsBestBaseline.adjusted)}</td><td><Badge status={r.reproductionStatus} /></td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Runs</h2>
      <table>
        <thead><tr><th scope="col">Run</th><th scope="col">Family</th><th scope="col" class="num">Seed</th><th scope="col">Status</th></tr></thead>
        <tbody>
          {runs.map((r) => (
            <tr><th scope="row"><a href={`/runs/${enc(r.id)}`}>{r.label}</a> <span class="hash muted">{r.id}</span></th><td>{r.family}</td><td class="num">{r.seed}</td><td><Badge status={r.status} /></td></tr>
          ))}
        </tbody>
      </table>
      {s.runs.length > runs.length ? <p class="muted">{`${s.runs.length - runs.length} more runs: `}<a href={s.links.self}>JSON</a></p> : null}
    </Layout>
  );
}

/** Renders stored JSON (stats, leakage) as tables where it has a tabular shape, else as escaped text. */
export function JsonView(props: { value: unknown; depth?: number }) {
  const v = props.value;
  const depth = props.depth ?? 0;
  if (v === null || v === undefined) return <span class="muted">–</span>;
  if (typeof v === 'number') return <span>{Number.isInteger(v) ? String(v) : v.toFixed(4)}</span>;
  if (typeof v !== 'object') return <span>{String(v)}</span>;
  if (depth > 3) return <code>{JSON.stringify(v).slice(0, 500)}</code>;
  if (Array.isArray(v)) {
    const objs = v.filter((x): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x));
    if (objs.length === v.length && v.length > 0) {
      const keys = [...new Set(objs.flatMap((o) => Object.keys(o)))].slice(0, 16);
      return (
        <table>
          <thead><tr>{keys.map((k) => <th scope="col">{k}</th>)}</tr></thead>
          <tbody>{objs.slice(0, 200).map((o) => <tr>{keys.map((k) => <td><JsonView value={o[k]} depth={depth + 1} /></td>)}</tr>)}</tbody>
        </table>
      );
    }
    return <span>{v.slice(0, 50).map((x) => (typeof x === 'object' ? JSON.stringify(x) : String(x))).join(', ')}</span>;
  }
  const entries = Object.entries(v as Record<string, unknown>).slice(0, 100);
  return (
    <dl class="kv">
      {entries.map(([k, x]) => <><dt>{k}</dt><dd><JsonView value={x} depth={depth + 1} /></dd></>)}
    </dl>
  );
}

/**
 * Keeps a confusion matrix drawable within the page budget: the `max - 1` labels with the
 * most records (as truth or prediction) stay, the rest are summed into "(other)".
 */
export function foldLabels(m: { labels: string[]; matrix: number[][] }, max = 12): { labels: string[]; matrix: number[][]; folded: number } {
  if (m.labels.length <= max) return { ...m, folded: 0 };
  const weight = m.labels.map((_, i) => m.matrix[i]!.reduce((a, x) => a + x, 0) + m.matrix.reduce((a, row) => a + row[i]!, 0));
  const keep = weight.map((w, i) => [w, i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]).slice(0, max - 1).map(([, i]) => i).sort((a, b) => a - b);
  const pos = new Map(keep.map((i, k) => [i, k]));
  const other = keep.length;
  const matrix = Array.from({ length: other + 1 }, () => new Array<number>(other + 1).fill(0));
  m.matrix.forEach((row, i) => row.forEach((v, j) => { matrix[pos.get(i) ?? other]![pos.get(j) ?? other]! += v; }));
  return { labels: [...keep.map((i) => m.labels[i]!), '(other)'], matrix, folded: m.labels.length - keep.length };
}

export function RunPage(props: { run: RunDetail; maxMatrices?: number }) {
  const r = props.run;
  const l = r.lineage;
  const repro = r.pooled.length ? r.pooled.map((e) => e.reproductionStatus).find((s) => s !== 'none') ?? 'none' : 'none';
  const matrices = r.confusion.slice(0, props.maxMatrices ?? 6).map((m) => ({ ...m, ...foldLabels(m) }));
  return (
    <Layout title={`Run ${r.label}`}>
      <h1>Run {r.label} <Badge status={r.status} /> <span title="reproduction status"><Badge status={`reproduction: ${repro}`} /></span></h1>
      <p>Sweep <a href={`/sweeps/${enc(r.sweepId)}`}>{r.sweepId}</a> · family {r.family} · <span class="hash">{r.id}</span></p>
      <h2>Lineage</h2>
      <dl class="kv" id="lineage">
        <dt>Code commit</dt><dd class="hash">{l.codeCommit}</dd>
        <dt>Dataset</dt><dd><a href={`/datasets/${enc(l.datasetName)}/versions/${l.datasetHash}`}>{l.datasetName}</a> <span class="hash">{l.datasetHash}</span></dd>
        <dt>Split</dt><dd>{l.splitKind} <span class="hash">{l.splitHash}</span></dd>
        <dt>Config hash</dt><dd class="hash">{l.configHash}</dd>
        <dt>Seed</dt><dd>{l.seed}</dd>
        <dt>Config</dt><dd><code>{JSON.stringify(r.config)}</code></dd>
      </dl>
      <h2>Pooled out-of-fold metrics</h2>
      <table id="pooled">
        <thead><tr><th scope="col">Task</th><th scope="col">Mode</th><th scope="col">Eval set</th><th scope="col" class="num">n</th><th scope="col" class="num">Accuracy</th><th scope="col">95% interval</th><th scope="col" class="num">Macro-F1</th><th scope="col" class="num">Fold mean ± sd</th><th scope="col" class="num">Parse failures</th><th scope="col" class="num">p vs best baseline</th><th scope="col" class="num">p vs top</th><th scope="col">Reproduction</th></tr></thead>
        <tbody>
          {r.pooled.map((e) => (
            <tr>
              <th scope="row">{e.task}</th><td>{e.mode} <Coverage row={e} /></td><td>{e.evalSet}</td><td class="num">{e.n}</td><td class="num">{pct(e.accuracy.value)} <Sig row={e} /></td>
              <td><IntervalBar value={e.accuracy.value} low={e.accuracy.low} high={e.accuracy.high} label="accuracy" /> <span class="muted">{pct(e.accuracy.low)}–{pct(e.accuracy.high)}</span></td>
              <td class="num">{f3(e.macroF1.value)}</td><td class="num">{e.foldMean === null ? '–' : `${pct(e.foldMean)} ± ${pct(e.foldStd)}`}</td><td class="num"><ParseFailures row={e} /></td>
              <td class="num">{e.baseline ? 'baseline' : <PCell p={e.pVsBestBaseline} />}</td>
              <td class="num"><PCell p={e.pVsTop} /></td><td><Badge status={e.reproductionStatus} /></td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Per fold</h2>
      <table id="folds">
        <thead><tr><th scope="col" class="num">Fold</th><th scope="col">Mode</th><th scope="col">Eval set</th><th scope="col">Task</th><th scope="col" class="num">n</th><th scope="col" class="num">Accuracy</th><th scope="col">Interval</th><th scope="col" class="num">Macro-F1</th></tr></thead>
        <tbody>
          {r.folds.flatMap((f) => f.metrics.map((m) => (
            <tr>
              <th scope="row" class="num">{f.fold}</th><td>{f.mode}</td><td>{f.evalSet}</td><td>{m.task}</td><td class="num">{m.n ?? '–'}</td><td class="num">{pct(m.accuracy)}</td>
              <td>{m.accuracyInterval && m.accuracy !== null ? <IntervalBar value={m.accuracy} low={m.accuracyInterval.low} high={m.accuracyInterval.high} width={90} label="accuracy" /> : '–'}</td>
              <td class="num">{f3(m.macroF1)}</td>
            </tr>
          )))}
        </tbody>
      </table>
      <h2>Confusion matrices (pooled over folds)</h2>
      <div class="charts" id="confusion">
        {matrices.map((m) => (
          <figure>
            <Heatmap title={`Confusion matrix, ${m.task}, ${m.mode}`} rowLabels={m.labels} colLabels={m.labels} values={m.matrix} rowAxis="true" colAxis="predicted" />
            <figcaption>{m.task} · {m.mode}{m.evalSet !== 'cv' ? ` · ${m.evalSet}` : ''}: rows true label, columns predicted.{m.folded > 0 ? ` ${m.folded} rarer labels summed into (other); the full matrix is in the JSON API.` : ''}</figcaption>
          </figure>
        ))}
        {r.confusion.length === 0 ? <p>No confusion matrices were recorded.</p> : null}
        {r.confusion.length > matrices.length ? <p class="muted">{r.confusion.length - matrices.length} more in the JSON API.</p> : null}
      </div>
      <h2>Training loss</h2>
      <figure id="loss">
        <LossCurve series={r.trainingCurve.map((c) => ({ name: `fold ${c.fold}`, points: c.points }))} />
      </figure>
      <h2>Leakage of this split</h2>
      {r.leakage === null ? <p>No leakage report is stored for this split.</p> : <JsonView value={r.leakage} />}
      <h2>Artifacts</h2>
      <p class="muted">Links are presigned and expire within minutes; reload the page for fresh ones.</p>
      <table id="artifacts">
        <thead><tr><th scope="col">Kind</th><th scope="col" class="num">Fold</th><th scope="col">Mode</th><th scope="col">Key</th><th scope="col" class="num">Records</th></tr></thead>
        <tbody>
          {r.artifacts.map((a) => (
            <tr><th scope="row">{a.kind}</th><td class="num">{a.fold}</td><td>{a.mode ?? '–'}</td><td>{a.url ? <a href={a.url} rel="nofollow">{a.key}</a> : a.key}</td><td class="num">{a.count ?? '–'}</td></tr>
          ))}
        </tbody>
      </table>
      <h2>Reproductions</h2>
      {r.reproductions.length === 0 ? <p>Not re-run yet.</p> : (
        <table>
          <thead><tr><th scope="col">Id</th><th scope="col">Entry</th><th scope="col">Status</th><th scope="col" class="num">Tolerance</th><th scope="col">Verdict</th><th scope="col">Finished</th></tr></thead>
          <tbody>{r.reproductions.map((x) => <tr><th scope="row" class="hash">{x.id}</th><td class="hash">{x.entryId}</td><td><Badge status={x.status} /></td><td class="num">{x.tolerance}</td><td><JsonView value={x.verdict} /></td><td>{x.finishedAt ?? '–'}</td></tr>)}</tbody>
        </table>
      )}
    </Layout>
  );
}

export function ComparePage(props: { a?: string; b?: string; task?: string; result: CompareResult | null; message?: string }) {
  const r = props.result;
  return (
    <Layout title="Compare runs">
      <h1>Compare two runs</h1>
      <form class="filters" method="get" action="/compare" aria-label="Choose two runs">
        <label>Run A<input type="text" name="a" value={props.a ?? ''} size={36} required /></label>
        <label>Run B<input type="text" name="b" value={props.b ?? ''} size={36} required /></label>
        <Select name="task" label="Task" options={TASKS} value={props.task} />
        <button type="submit">Compare</button>
      </form>
      {props.message ? <p>{props.message}</p> : null}
      {r ? (
        <>
          <p>Run A: <a href={`/runs/${enc(r.a)}`}>{r.a}</a> · Run B: <a href={`/runs/${enc(r.b)}`}>{r.b}</a></p>
          <table id="comparisons">
            <caption>Paired tests on the same records: only A / only B count the records exactly one of the two got right.</caption>
            <thead><tr><th scope="col">Task</th><th scope="col">Mode</th><th scope="col">Test</th><th scope="col" class="num">Only A right</th><th scope="col" class="num">Only B right</th><th scope="col" class="num">n</th><th scope="col" class="num">p</th><th scope="col" class="num">p adjusted</th></tr></thead>
            <tbody>
              {r.comparisons.map((c) => (
                <tr><th scope="row">{c.task}</th><td>{c.mode}</td><td>{c.test}</td><td class="num">{c.contingency.onlyA}</td><td class="num">{c.contingency.onlyB}</td><td class="num">{c.contingency.n}</td><td class="num">{fmtP(c.p.raw)}</td><td class="num">{fmtP(c.p.adjusted)}{c.p.adjustment ? ` (${c.p.adjustment})` : ''}</td></tr>
              ))}
            </tbody>
          </table>
          <h2>Pooled accuracy</h2>
          <table>
            <thead><tr><th scope="col">Run</th><th scope="col">Task</th><th scope="col">Mode</th><th scope="col" class="num">Accuracy</th><th scope="col">95% interval</th></tr></thead>
            <tbody>
              {[...r.entries.a.map((e) => ['A', e] as const), ...r.entries.b.map((e) => ['B', e] as const)].map(([which, e]) => (
                <tr><th scope="row">{which}</th><td>{e.task}</td><td>{e.mode}</td><td class="num">{pct(e.accuracy.value)}</td><td><IntervalBar value={e.accuracy.value} low={e.accuracy.low} high={e.accuracy.high} label="accuracy" /></td></tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}
    </Layout>
  );
}

export function DatasetsPage(props: { items: DatasetVersionSummary[] }) {
  return (
    <Layout title="Datasets">
      <h1>Dataset versions</h1>
      <table>
        <thead><tr><th scope="col">Name</th><th scope="col">Version</th><th scope="col" class="num">Records</th><th scope="col" class="num">Templates</th><th scope="col">Parent</th><th scope="col">Message</th><th scope="col">Created</th></tr></thead>
        <tbody>
          {props.items.map((v) => (
            <tr>
              <th scope="row">{v.name}</th><td><a class="hash" href={`/datasets/${enc(v.name)}/versions/${v.hash}`}>{short(v.hash)}</a></td>
              <td class="num">{v.recordCount}</td><td class="num">{v.templateCount}</td><td class="hash">{v.parentHash ? short(v.parentHash) : '–'}</td><td>{v.message ?? ''}</td><td>{v.createdAt}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {props.items.length === 0 ? <p>No dataset versions registered.</p> : null}
    </Layout>
  );
}

export function DatasetPage(props: { v: DatasetVersionDetail }) {
  const v = props.v;
  return (
    <Layout title={`Dataset ${v.name}@${short(v.hash, 8)}`}>
      <h1>Dataset {v.name}<span class="hash muted">@{short(v.hash)}</span></h1>
      <dl class="kv">
        <dt>Hash</dt><dd class="hash">{v.hash}</dd>
        <dt>Records</dt><dd>{v.recordCount}</dd>
        <dt>Log templates</dt><dd>{v.templateCount}</dd>
        <dt>Parent</dt><dd>{v.parent ? <a class="hash" href={`/datasets/${enc(v.parent.name)}/versions/${v.parent.hash}`}>{short(v.parent.hash)}</a> : '–'}</dd>
        <dt>Message</dt><dd>{v.message ?? '–'}</dd>
        <dt>Object</dt><dd class="hash">{v.objectKey}</dd>
      </dl>
      <h2>Statistics</h2>
      <JsonView value={v.stats} />
      <h2>Splits and leakage</h2>
      <p class="muted">Leakage: test records whose log template also occurs in that fold's training records.</p>
      {v.splits.length === 0 ? <p>No splits materialized for this version.</p> : v.splits.map((s) => (
        <section>
          <h3>{s.kind} <span class="hash muted">{short(s.hash)}</span></h3>
          <p><code>{JSON.stringify(s.spec)}</code></p>
          {s.leakage === null ? <p>No leakage report.</p> : <JsonView value={s.leakage} />}
        </section>
      ))}
    </Layout>
  );
}
