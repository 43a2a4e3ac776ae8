#!/usr/bin/env -S npx tsx
/** `opensoc`: the command line for researchers, CI and analysts. `opensoc --help` lists everything. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Command, Option } from 'commander';
import YAML from 'yaml';
import { RANKING_RULE, significanceDirection, splitSpecSchema, TASKS, type DatasetRecord, type SweepSpec, type Task } from '@opensoc/contracts';
import { getSweep, listDatasetVersions, listLeaderboard, listReproductions, listRuns, listSweeps } from '@opensoc/db';
import { SERVICE_NAMES, connectionInfo, defaultServicesConfig, devDown, devUp, serviceStatus } from '@opensoc/local-services';
import { compareRuns, diffVersions, InvalidInputError, loadDatasetRecords, NotFoundError, parseSweepSpec, planSweep, formatPlan, readSpecFile, type SpecLocator, pushDataset, startReproduction, type ReproductionVerdict, pushRecords, resolveDataset, startSweep, storeSplit } from '@opensoc/platform';
import { ApiError, createApiToken, createApp, jsonLogger, listen } from '@opensoc/api';
import { BUNDLED_ATTACK_TABLE, EVENT_FORMATS, formatIssue, getImporter, importerFormats, loadAttackTable, MappingError, mappingFromObject, mergeMappings, parseFieldMap } from '@opensoc/datasets';
import { backendInfo, describeBackend, initBackend } from '@opensoc/model';
import { CLASSIFY_FORMATS, classifyCommand } from './classify.ts';
import { CliError, EXIT, config, localWorkers, needsLocalWorkers, openCliPlatform, withPlatform } from './context.ts';
import { installSignalHandlers, untilSignal } from './shutdown.ts';
import { runDemo } from './demo.ts';
import { DEFAULT_STUDY_DATA, STUDY_SCALES, runStudy, type StudyScale } from './study.ts';
import { STUDY_DESIGNS, type StudyDesignKey } from './study-report.ts';
import { leaderboardTable, pct, pval, table } from './format.ts';
import { liveLeader, sweepEtaOf, watchSweep } from './watch.ts';

const program = new Command('opensoc').description('OpenSOC: honest, repeatable evaluation of LLM log classifiers').showHelpAfterError();
const out = (json: boolean, value: unknown, text: () => string) => console.log(json ? JSON.stringify(value, null, 2) : text());
const jsonOption = new Option('--json', 'machine-readable output');

// ---- dev ----------------------------------------------------------------------------------
const dev = program.command('dev').description('local Temporal, PostgreSQL and S3 services under .opensoc/');
const services = () => defaultServicesConfig(path.resolve(config().dataDir), config().local);
dev.command('up').description('start Temporal, PostgreSQL and S3 once; later commands attach to them in milliseconds (idempotent; prints the environment for separate workers)').addOption(jsonOption).action(async (o) => {
  await devUp(services());
  const c = connectionInfo(services());
  const env = { TEMPORAL_ADDRESS: c.temporalAddress, DATABASE_URL: c.databaseUrl, S3_ENDPOINT: c.s3Endpoint, S3_BUCKET: config().s3.bucket, AWS_ACCESS_KEY_ID: c.s3AccessKey, AWS_SECRET_ACCESS_KEY: c.s3SecretKey, AWS_REGION: config().s3.region };
  out(o.json, env, () => Object.entries(env).map(([k, v]) => `export ${k}=${v}`).join('\n'));
});
dev.command('down').description('stop the services (data is kept)').action(async () => { await devDown(services()); });
dev.command('status').description('show which services run and what training computes on').addOption(jsonOption).action(async (o) => {
  const s = await Promise.all(SERVICE_NAMES.map((n) => serviceStatus(services(), n)));
  const { backend, threads } = config().compute;
  await initBackend(backend, { threads, notice: () => {} }); // the reason is in backendInfo().fallbackReason
  const compute = backendInfo();
  out(o.json, { services: s, compute }, () => `${table(['service', 'state', 'pid', 'ports'], s.map((x) => [x.name, x.running ? (x.healthy ? 'healthy' : 'unhealthy') : 'stopped', String(x.pid ?? '-'), x.ports.slice(0, 1).join(',')]))}\ncompute: ${describeBackend(compute)}`);
});

// ---- dataset ------------------------------------------------------------------------------
const dataset = program.command('dataset').description('versioned datasets (content-addressed in S3, indexed in PostgreSQL)');
dataset.command('push').argument('<file>', 'JSONL file of dataset records').requiredOption('--name <name>', 'dataset name')
  .option('--message <text>', 'what changed')
  .option('--attack <path>', 'ATT&CK technique table (compact JSON table or STIX bundle) to check technique ids and tactics against', BUNDLED_ATTACK_TABLE)
  .option('--no-attack', 'check technique id syntax only (no table)')
  .addOption(jsonOption).description('validate every record, then store and register a new version (same content: same id, no-op); technique ids are checked against the bundled ATT&CK v18.1 table (datasets/attack/) unless --attack names another')
  .action(async (file: string, o) => withPlatform(async (p) => {
    const attack = o.attack ? await loadAttackTable(o.attack) : undefined;
    const r = await pushDataset({ db: p.db.db, store: p.store }, file, { name: o.name, message: o.message, attack });
    out(o.json, r, () => `${r.created ? 'pushed' : 'unchanged'} ${r.name}@${r.hash} (${r.records} records${r.parentHash ? `, parent ${r.parentHash.slice(0, 12)}` : ''})`);
  }));
dataset.command('list').argument('[name]').addOption(jsonOption).description('list dataset versions').action(async (name: string | undefined, o) => withPlatform(async (p) => {
  const rows = await listDatasetVersions(p.db.db, name);
  out(o.json, rows, () => table(['name', 'version', 'records', 'templates', 'parent', 'created', 'message'], rows.map((r) => [r.name, r.hash.slice(0, 12), String(r.recordCount), String(r.templateCount), r.parentHash?.slice(0, 12) ?? '-', r.createdAt.toISOString(), r.message ?? ''])));
}));
dataset.command('show').argument('<ref>', 'NAME[@VERSION]').addOption(jsonOption).description('statistics of a version').action(async (ref: string, o) => withPlatform(async (p) => {
  const row = await resolveDataset(p.db.db, ref);
  out(o.json, row, () => `${row.name}@${row.hash}\nrecords ${row.recordCount}, templates ${row.templateCount}, parent ${row.parentHash ?? '-'}\n${YAML.stringify(row.stats)}`);
}));
dataset.command('diff').argument('<a>').argument('<b>').addOption(jsonOption).description('added, removed and relabelled records between two versions')
  .action(async (a: string, b: string, o) => withPlatform(async (p) => {
    const d = await diffVersions({ db: p.db.db, store: p.store }, a, b);
    out(o.json, d, () => [`added ${d.added.length}, removed ${d.removed.length}, relabelled ${d.relabelled.length}, modified ${d.modified.length}, unchanged ${d.unchanged}`,
      ...d.relabelled.slice(0, 50).map((r) => `  ${r.id}: ${r.changes.map((c) => `${c.field} ${JSON.stringify(c.from)} -> ${JSON.stringify(c.to)}`).join(', ')}`)].join('\n'));
  }));

dataset.command('import').argument('<files...>', 'input files, e.g. soc_train.json soc_eval.json (opensoc-ai) or events.jsonl')
  .requiredOption('--name <name>', 'dataset name')
  .addOption(new Option('--format <format>', `input format: ${importerFormats().join(', ')}`).choices(importerFormats()).default('opensoc-ai'))
  .option('--map <pairs>', 'FIELD=COLUMN pairs, comma separated; dotted keys reach into nested JSON (e.g. log=message,technique=attack.technique_id)')
  .option('--map-file <path>', 'YAML or JSON mapping: fields, value maps (values:), defaults, unknownReason; --map pairs override its fields')
  .option('--attack <path>', 'ATT&CK table (JSON table or STIX bundle): every technique of every record is checked against it')
  .addOption(new Option('--on-unknown-technique <policy>', 'a technique missing from the --attack table: reject the import, or warn and keep it').choices(['reject', 'warn']).default('reject'))
  .option('--sidecar <path>', 'per-event labels in a JSON sidecar (SOC export formats such as windows-xml, syslog, cloudtrail)')
  .option('--message <text>').addOption(jsonOption)
  .description('import files through a format importer and field mapping (labels the input lacks become unknown, with a reason) and push them as one version; any error stores nothing')
  .action(async (files: string[], o) => {
    let mapping;
    try {
      const fromFile = o.mapFile ? mappingFromObject(YAML.parse(readFileSync(o.mapFile, 'utf8')), path.basename(o.mapFile)) : undefined;
      mapping = o.map || fromFile ? mergeMappings(fromFile, o.map ? parseFieldMap(o.map) : undefined) : undefined;
    } catch (e) {
      throw new CliError(e instanceof MappingError ? e.message : `${o.mapFile}: ${(e as Error).message}`, EXIT.usage);
    }
    const importer = getImporter(o.format);
    const attack = o.attack ? await loadAttackTable(o.attack) : undefined;
    const records: DatasetRecord[] = [];
    const errors: string[] = [];
    const warnings: string[] = [];
    let hidden = 0;
    const firstSeen = new Map<string, string>();
    for (const file of files) {
      let r;
      try {
        r = await importer.import(file, { mapping, attack, onUnknownTechnique: o.onUnknownTechnique, sidecar: o.sidecar });
      } catch (e) {
        if (e instanceof MappingError) throw new CliError(e.message, EXIT.usage);
        throw e;
      }
      errors.push(...r.errors.map(formatIssue));
      hidden += r.errorCount - r.errors.length;
      warnings.push(...r.warnings.map(formatIssue));
      r.records.forEach((rec) => {
        const where = `${path.basename(file)}:${rec.provenance.line ?? '?'}`;
        const first = firstSeen.get(rec.id);
        if (first) errors.push(`${where}: field "id": duplicate id "${rec.id}" (first at ${first}); give the files distinct ids (idPrefix in a mapping file)`);
        else firstSeen.set(rec.id, where);
      });
      records.push(...r.records);
    }
    for (const w of warnings.slice(0, 50)) console.error(`warning: ${w}`);
    if (warnings.length > 50) console.error(`warning: ... and ${warnings.length - 50} more`);
    if (errors.length) throw new CliError(`import failed, nothing stored (${errors.length + hidden} error${errors.length + hidden === 1 ? '' : 's'}):\n${errors.join('\n')}${hidden ? `\n... and ${hidden} more` : ''}`, EXIT.usage);
    await withPlatform(async (p) => {
      // Records were validated above (including --attack with the chosen policy).
      const r = await pushRecords({ db: p.db.db, store: p.store }, records, { name: o.name, message: o.message ?? `imported (${o.format}) from ${files.map((f) => path.basename(f)).join(', ')}` });
      const unknown = records.filter((x) => x.unknownLabels !== undefined).length;
      out(o.json, { ...r, warnings: warnings.length, partiallyLabelled: unknown }, () => `${r.created ? 'pushed' : 'unchanged'} ${r.name}@${r.hash} (${r.records} records, ${unknown} with unknown labels, ${warnings.length} warnings)`);
    });
  });
dataset.command('split').argument('<ref>', 'NAME[@VERSION]')
  .addOption(new Option('--kind <kind>').choices(['template-grouped-kfold', 'stratified-kfold', 'random-kfold', 'source-grouped-kfold', 'leave-sources-out', 'fixed']).default('template-grouped-kfold'))
  .option('--k <k>', 'folds', '5').option('--seed <n>', 'seed', '1').option('--test-sources <list>', 'comma list (leave-sources-out)')
  .option('--test-ids-from <ref>', 'fixed split: the test set is the ids of this other dataset version (e.g. an imported eval file)')
  .addOption(jsonOption).description('materialize and store a split manifest and show its train/test leakage per fold')
  .action(async (ref: string, o) => withPlatform(async (p) => {
    const deps = { db: p.db.db, store: p.store };
    const row = await resolveDataset(p.db.db, ref);
    const records = await loadDatasetRecords(p.store, row);
    const testIds = o.testIdsFrom ? (await loadDatasetRecords(p.store, await resolveDataset(p.db.db, o.testIdsFrom))).map((r) => r.id) : undefined;
    const spec = o.kind === 'fixed' ? { kind: 'fixed', testIds, seed: Number(o.seed) }
      : o.kind === 'leave-sources-out' ? { kind: 'leave-sources-out', testSources: String(o.testSources ?? '').split(',').filter(Boolean), seed: Number(o.seed) }
      : { kind: o.kind, k: Number(o.k), seed: Number(o.seed) };
    const split = await storeSplit(deps, row.hash, records, splitSpecSchema.parse(spec));
    out(o.json, { hash: split.hash, leakage: split.leakage }, () => [`split ${split.hash} (${o.kind}) of ${row.name}@${row.hash.slice(0, 12)}`,
      table(['fold', 'test', 'exact dup', 'shared template', 'near dup', 'leaked'], split.leakage.map((f) => [String(f.fold), String(f.testRecords), String(f.exactDuplicates), String(f.sharedTemplate), String(f.nearDuplicates), `${f.leaked} (${pct(f.leaked / Math.max(1, f.testRecords)).trim()})`]))].join('\n'));
  }));

// ---- sweep --------------------------------------------------------------------------------
const sweep = program.command('sweep').description('LoRA sweeps with k-fold cross-validation');
const readSpec = async (file: string) => {
  const f = await readSpecFile(file);
  return { spec: parseSweepSpec(f.value, file, f.locate), locate: f.locate };
};
/** Checks every spec (each one's errors listed), prints the plans, and fails with the worst exit code. */
async function dryRun(files: string[], json: boolean): Promise<void> {
  const plans: unknown[] = [];
  const failures: { code: number; message: string }[] = [];
  const failed = (e: unknown) => {
    if (!(e instanceof InvalidInputError || e instanceof NotFoundError)) throw e;
    failures.push({ code: e instanceof NotFoundError ? EXIT.notFound : EXIT.usage, message: e.message });
  };
  // Syntax and schema first: a spec that fails them needs no services.
  const parsed: { file: string; spec: SweepSpec; locate: SpecLocator }[] = [];
  for (const file of files) {
    try { parsed.push({ file, ...(await readSpec(file)) }); } catch (e) { failed(e); }
  }
  if (parsed.length > 0) {
    await withPlatform(async (p) => {
      for (const { file, spec, locate } of parsed) {
        try {
          const plan = await planSweep({ db: p.db.db, store: p.store }, spec, { file, locate });
          plans.push(plan);
          if (!json) console.log(formatPlan(plan, file));
        } catch (e) { failed(e); }
      }
    });
  }
  if (json) console.log(JSON.stringify(files.length === 1 ? plans[0] ?? null : plans, null, 2));
  if (failures.length > 0) throw new CliError(failures.map((f) => f.message).join('\nopensoc: '), failures.some((f) => f.code === EXIT.usage) ? EXIT.usage : EXIT.notFound);
}
sweep.command('start').argument('<specs...>', 'sweep spec (YAML or JSON); with --dry-run, several to check at once').option('--wait', 'wait for the end and print the leaderboard')
  .option('--dry-run', 'check the spec against the stored datasets and print the plan (datasets, split, units, estimated work); start nothing')
  .addOption(jsonOption)
  .description('validate the spec (every error listed, with file, line and field) and start the sweep')
  .addHelpText('after', `
Spec format: docs/sweep-spec.md lists every field with its type, default and constraints.
Commented examples to start from: examples/*.yaml (try: opensoc sweep start examples/quick-baselines.yaml --dry-run).
Exit codes: 0 ok, 1 failed, 2 invalid spec, 3 spec file or dataset not found.`)
  .action(async (files: string[], o) => {
    if (files.length > 1 && !o.dryRun) throw new CliError('several specs can only be checked (--dry-run); start them one at a time', EXIT.usage);
    if (o.dryRun) return dryRun(files, o.json);
    const file = files[0]!;
    const { spec, locate } = await readSpec(file);
    await withPlatform(async (p) => {
      const plan = await planSweep({ db: p.db.db, store: p.store }, spec, { file, locate });
      for (const w of plan.warnings) console.error(`warning: ${w}`);
      const embedded = needsLocalWorkers(p);
      if (embedded && !o.wait) console.error('note: with the local Temporal server this command runs the workers, so the sweep runs while it waits (set TEMPORAL_ADDRESS to a cluster with workers to detach)');
      const workers = embedded || o.wait ? await localWorkers(p) : null;
      try {
        const client = await p.connectTemporal();
        const { sweepId } = await startSweep(client, spec, { plan, file });
        if (!embedded && !o.wait) return out(o.json, { sweepId }, () => `started sweep ${sweepId} (watch it: opensoc sweep watch ${sweepId})`);
        const result = await watchSweep(client, sweepId, { json: o.json, leader: liveLeader(p.db.db, sweepId) });
        const rows = await listLeaderboard(p.db.db, { sweepId, task: 'threatCategory' });
        out(o.json, { result, leaderboard: rows }, () => leaderboardTable(rows));
        if (result.status !== 'completed') throw new CliError(`sweep ${sweepId} ended ${result.status}`);
      } finally {
        await workers?.stop();
      }
    });
  });
sweep.command('watch').argument('<id>').addOption(jsonOption).description('live progress: units done, current losses, ETA').action(async (id: string, o) => withPlatform(async (p) => {
  const result = await watchSweep(await p.connectTemporal(), id, { json: o.json, leader: liveLeader(p.db.db, id) });
  out(o.json, result, () => `sweep ${id} ${result.status}`);
  if (result.status !== 'completed') throw new CliError(`sweep ${id} ended ${result.status}`);
}));
sweep.command('cancel').argument('<id>').description('cancel a sweep; running training stops promptly after a checkpoint').action(async (id: string) => withPlatform(async (p) => {
  const s = await getSweep(p.db.db, id);
  if (!s) throw new CliError(`sweep ${id} not found`, EXIT.notFound);
  // Like the API's 409, but idempotent for scripts: a sweep that no longer runs is already where cancel would take it.
  if (s.status !== 'running') return console.log(`sweep ${id} is ${s.status}; nothing to cancel`);
  await (await p.connectTemporal()).workflow.getHandle(id).cancel();
  console.log(`cancellation requested for ${id}`);
}));
sweep.command('list').addOption(jsonOption).description('recent sweeps').action(async (o) => withPlatform(async (p) => {
  const rows = await listSweeps(p.db.db);
  out(o.json, rows, () => table(['sweep', 'status', 'progress', 'dataset', 'created'], rows.map((r) => [r.id, r.status, `${r.doneUnits}/${r.totalUnits}`, `${r.datasetName}@${r.datasetHash.slice(0, 12)}`, r.createdAt.toISOString()])));
}));
sweep.command('show').argument('<id>').addOption(jsonOption).description('a sweep and its runs').action(async (id: string, o) => withPlatform(async (p) => {
  const s = await getSweep(p.db.db, id);
  if (!s) throw new CliError(`sweep ${id} not found`, EXIT.notFound);
  const runs = await listRuns(p.db.db, id);
  out(o.json, { sweep: s, runs }, () => `${s.id}: ${s.status} ${s.doneUnits}/${s.totalUnits}\n${table(['run', 'family', 'status'], runs.map((r) => [r.id, r.family, r.status]))}`);
}));

// ---- leaderboard, compare, reproduce ----------------------------------------------------------
program.command('leaderboard').description('entries with n, intervals and directed significance vs the best baseline (better/WORSE, * p<.05, ** p<.01, *** p<.001, Holm-adjusted) and a below-majority flag')
  .addOption(new Option('--task <task>').choices([...TASKS]).default('threatCategory')).option('--dataset <ref>', 'NAME or NAME@HASHPREFIX').option('--mode <mode>').option('--sweep <id>')
  .option('--eval-set <name>', "'cv' (cross-validation) or an extra evaluation set: its dataset name (every version), NAME@HASHPREFIX, or the label shown in --json", 'cv')
  .addHelpText('after', `\nRanking: ${RANKING_RULE}.`)
  .addOption(jsonOption).action(async (o) => withPlatform(async (p) => {
    const rows = await listLeaderboard(p.db.db, { task: o.task, datasetName: o.dataset, mode: o.mode, sweepId: o.sweep, evalSet: o.evalSet });
    out(o.json, rows, () => (rows.length ? leaderboardTable(rows) : 'no entries yet'));
  }));
program.command('compare').argument('<runA>').argument('<runB>').addOption(new Option('--task <task>').choices([...TASKS]).default('threatCategory'))
  .option('--mode-a <mode>').option('--mode-b <mode>').addOption(jsonOption).description("McNemar's test of two runs on their shared records")
  .action(async (a: string, b: string, o) => withPlatform(async (p) => {
    const c = await compareRuns({ db: p.db.db, store: p.store }, a, b, { task: o.task as Task, modeA: o.modeA, modeB: o.modeB });
    out(o.json, c, () => [
      `${c.task} on ${c.n} shared records: A ${pct(c.accuracyA).trim()} (${c.modeA}), B ${pct(c.accuracyB).trim()} (${c.modeB})`,
      table(['', 'B right', 'B wrong'], [['A right', String(c.table.bothRight), String(c.table.onlyA)], ['A wrong', String(c.table.onlyB), String(c.table.bothWrong)]]),
      `McNemar: exact p=${pval(c.mcnemar.exactP)}, mid-p=${pval(c.mcnemar.midP)}, chi2(cc)=${c.mcnemar.chiSquare.toFixed(3)} p=${pval(c.mcnemar.chiSquareP)}; reported (${c.mcnemar.recommended}): p=${pval(c.mcnemar.p)}`,
      `Verdict (unadjusted, p < 0.05): A is ${{ better: 'significantly better than', worse: 'significantly worse than', none: 'not detectably different from' }[significanceDirection(c.mcnemar.b, c.mcnemar.c, c.mcnemar.p)]} B`,
    ].join('\n'));
  }));
program.command('reproduce').argument('<entry>', 'leaderboard entry id').option('--tolerance <x>', 'largest accepted accuracy difference', '0.02').option('--wait', 'wait for the verdict (exit 1 if not reproduced)')
  .addOption(jsonOption).description('re-run an entry from its recorded lineage and check it against a tolerance')
  .action(async (entry: string, o) => withPlatform(async (p) => {
    const tolerance = Number(o.tolerance);
    if (!(tolerance >= 0)) throw new CliError('--tolerance must be a non-negative number', EXIT.usage);
    const embedded = needsLocalWorkers(p);
    const workers = embedded || o.wait ? await localWorkers(p) : null;
    try {
      const client = await p.connectTemporal();
      const { reproductionId, handle } = await startReproduction(client, entry, tolerance);
      if (!embedded && !o.wait) return out(o.json, { reproductionId }, () => `started reproduction ${reproductionId}`);
      const v = (await handle.result()) as ReproductionVerdict;
      out(o.json, v, () => `${v.reproduced ? 'REPRODUCED' : 'NOT REPRODUCED'}: original ${pct(v.original).trim()}, re-run ${pct(v.rerun).trim()}, difference ${(100 * v.difference).toFixed(2)} points (tolerance ${(100 * tolerance).toFixed(2)})`);
      if (!v.reproduced) throw new CliError('not reproduced', EXIT.failed);
    } finally {
      await workers?.stop();
    }
  }));
program.command('reproductions').argument('<entry>').addOption(jsonOption).description('reproduction history of an entry').action(async (entry: string, o) => withPlatform(async (p) => {
  const rows = await listReproductions(p.db.db, entry);
  out(o.json, rows, () => table(['reproduction', 'status', 'tolerance', 'created'], rows.map((r) => [r.id, r.status, String(r.tolerance), r.createdAt.toISOString()])));
}));

// ---- classify, demo ---------------------------------------------------------------------------
program.command('classify').requiredOption('--adapter <entry>', 'leaderboard entry (or run id): a LoRA adapter, or a baseline refitted on its fold').option('--fold <k>', 'which fold\'s adapter', '0')
  .option('--input-format <format>', `read a SOC export, one log per event (${EVENT_FORMATS.join('|')})`)
  .argument('[file]', 'log file, one log per line (JSONL with a "log" field also works); - or nothing for stdin')
  .addOption(new Option('--format <format>', 'output: one JSON object per line, CSV with a header, or an aligned table').choices([...CLASSIFY_FORMATS]).default('jsonl'))
  .description('run a trained adapter over logs: labels consistent with the category (a null technique says why), records/s on stderr')
  .action(async (file: string | undefined, o) => withPlatform((p) => classifyCommand(p, o.adapter, Number(o.fold), file, { inputFormat: o.inputFormat, format: o.format })));
program.command('demo').description('the end-to-end job on the bundled corpus (see README)').option('--records-per-category <n>', 'demo dataset size', '6')
  .action(async (o) => runDemo({ perCategory: Number(o.recordsPerCategory) }));

program.command('study').argument('<study>', 'the study to audit: opensoc-ai').option('--data <dir>', 'folder with soc_train.json and soc_eval.json', DEFAULT_STUDY_DATA)
  .addOption(new Option('--scale <scale>', 'demo: fits 15 min on 2 cores; full: the LoRA grid on every design; test: baselines only').choices([...STUDY_SCALES]).default('demo'))
  .option('--limit <n>', 'use only the first n training records (and n/9 eval records)').option('--report <file>', 'Markdown report', '.opensoc/reports/opensoc-ai-study.md')
  .option('--lora-on <designs>', `designs that train LoRA instead of the scale's, comma-separated: ${STUDY_DESIGNS.join(', ')} (demo scale: fixed)`)
  .description("audit a study: its data under its fixed split, stratified CV and template-grouped CV; the paper's claims vs measured, McNemar, leakage, a generated verdict")
  .action(async (study: string, o) => {
    if (study !== 'opensoc-ai') throw new CliError(`unknown study "${study}"; known: opensoc-ai`, EXIT.usage);
    const loraOn = o.loraOn === undefined ? undefined : String(o.loraOn).split(',').map((x) => x.trim()).filter(Boolean);
    const unknown = loraOn?.filter((d) => !(STUDY_DESIGNS as readonly string[]).includes(d)) ?? [];
    if (unknown.length) throw new CliError(`--lora-on: unknown design ${unknown.join(', ')}; known: ${STUDY_DESIGNS.join(', ')}`, EXIT.usage);
    await runStudy({
      data: path.resolve(o.data), scale: o.scale as StudyScale, limit: o.limit === undefined ? undefined : Number(o.limit), report: path.resolve(o.report), loraOn: loraOn as StudyDesignKey[] | undefined,
      command: `opensoc study ${study} --scale ${o.scale}${o.limit ? ` --limit ${o.limit}` : ''}${loraOn ? ` --lora-on ${loraOn.join(',')}` : ''}`,
    });
  });

// ---- serve, tokens --------------------------------------------------------------------------
program.command('serve').description('serve the leaderboard API and pages (write routes start sweeps on Temporal)').option('--port <n>', 'port (default: PORT, else 8080)').option('--host <h>', 'address to bind', '127.0.0.1')
  .action(async (o) => {
    const p = await openCliPlatform();
    try {
      const client = await p.connectTemporal();
      // With the local Temporal server nobody else runs the workers the write routes need: run them here.
      const workers = needsLocalWorkers(p) ? await localWorkers(p) : null;
      const app = createApp({
        db: p.db.db, store: p.store, auth: { readsPublic: p.config.api.readsPublic }, logger: jsonLogger,
        ...(p.config.api.corsOrigins.length ? { cors: { origins: p.config.api.corsOrigins } } : {}),
        // Checked against the stored datasets first: a bad reference is the request's fault (400), not a failed workflow.
        startSweep: (spec) => startSweep(client, spec, { preflight: { db: p.db.db, store: p.store }, file: 'request body' }).catch((e: unknown) => {
          throw e instanceof InvalidInputError || e instanceof NotFoundError ? new ApiError(400, e.message) : e;
        }),
        cancelSweep: async (id) => { await client.workflow.getHandle(id).cancel(); },
        startReproduction: async (entryId, tolerance) => ({ reproductionId: (await startReproduction(client, entryId, tolerance)).reproductionId }),
        sweepEta: (workflowId) => sweepEtaOf(client, workflowId),
      });
      const server = await listen(app, { port: Number(o.port ?? p.config.api.port), hostname: o.host });
      console.error(`serving ${server.url}/ (Ctrl-C to stop)`);
      await untilSignal();
      console.error('stopping');
      await server.close();
      await workers?.stop();
    } finally {
      await p.close();
    }
  });
program.command('token').description('API tokens').command('create').argument('<name>').addOption(new Option('--scope <scope>').choices(['read', 'write']).default('write'))
  .description('create a bearer token (the secret is shown once; only its hash is stored)')
  .action(async (name: string, o) => withPlatform(async (p) => {
    const scopes = o.scope === 'write' ? ['read', 'write'] : ['read'];
    const t = await createApiToken(p.db.db, name, scopes as never);
    console.log(JSON.stringify({ id: t.id, secret: t.secret, scopes }));
  }));

program.exitOverride();
installSignalHandlers();
try {
  await program.parseAsync(process.argv);
} catch (e) {
  const err = e as Error & { code?: string | number; exitCode?: number };
  if (typeof err.code === 'string' && err.code.startsWith('commander.')) process.exit(err.code === 'commander.helpDisplayed' || err.code === 'commander.version' ? EXIT.ok : EXIT.usage);
  const code = e instanceof CliError ? e.code : e instanceof InvalidInputError ? EXIT.usage : e instanceof NotFoundError ? EXIT.notFound : (err.name === 'DatasetValidationError' ? EXIT.usage : EXIT.failed);
  console.error(`opensoc: ${err.message}`);
  process.exit(code);
}
process.exit(EXIT.ok);
