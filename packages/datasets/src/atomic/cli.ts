/**
 * Renders the Atomic Red Team corpus from a checkout (or bare git directory) of
 * redcanaryco/atomic-red-team and writes datasets/atomic-red-team/:
 *   npx tsx packages/datasets/src/atomic/cli.ts --atomics <repo or git dir> --attack ../shared/data/attack/enterprise-attack-techniques.json --out datasets/atomic-red-team
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadAttackTable } from '../attack.ts';
import { prepareVersion } from '../version.ts';
import { renderAtomicCard } from './card.ts';
import { generateAtomicCorpus } from './generate.ts';
import type { AtomicFile } from './generate.ts';

const { values } = parseArgs({ options: { atomics: { type: 'string' }, attack: { type: 'string' }, out: { type: 'string' } } });
if (!values.atomics || !values.attack || !values.out) {
  console.error('usage: cli.ts --atomics <atomic-red-team checkout or git dir> --attack <ATT&CK table json> --out <dir>');
  process.exit(2);
}
const repo = values.atomics;
const bare = !existsSync(join(repo, 'atomics'));
const git = (...args: string[]) => execFileSync('git', bare ? ['--git-dir', repo, ...args] : ['-C', repo, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
const commit = git('rev-parse', 'HEAD').trim();
const commitDate = git('log', '-1', '--format=%cI').trim();
const paths = (bare ? git('ls-tree', '-r', '--name-only', 'HEAD', 'atomics').split('\n') : readdirSync(join(repo, 'atomics')).map((d) => `atomics/${d}/${d}.yaml`)).filter((p) => /^atomics\/(T[\d.]+)\/\1\.yaml$/.test(p));
const files: AtomicFile[] = paths.map((path) => ({ path, text: bare ? git('show', `HEAD:${path}`) : readFileSync(join(repo, path), 'utf8') }));
const licence = bare ? git('show', 'HEAD:LICENSE.txt') : readFileSync(join(repo, 'LICENSE.txt'), 'utf8');

const attack = await loadAttackTable(values.attack);
const { records, stats } = generateAtomicCorpus(files, attack);
const version = prepareVersion(records, { attack });
writeFileSync(join(values.out, 'atomic-red-team.jsonl'), version.canonicalBytes);
writeFileSync(join(values.out, 'LICENSE'), licence);
writeFileSync(join(values.out, 'stats.json'), JSON.stringify({ source: { repo: 'https://github.com/redcanaryco/atomic-red-team', commit, commitDate }, hash: version.hash, bytes: version.canonicalBytes.length, ...stats }, null, 2) + '\n');
writeFileSync(join(values.out, 'README.md'), renderAtomicCard({ commit, commitDate, hash: version.hash, bytes: version.canonicalBytes.length, stats, attack }));
console.log(JSON.stringify({ commit, hash: version.hash, bytes: version.canonicalBytes.length, records: stats.records, benign: stats.benignRecords, renderedTests: stats.renderedTests, tests: stats.tests }));
