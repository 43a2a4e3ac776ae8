/**
 * Writes the bundled corpus in canonical form, and optionally refreshes the dataset card's numbers:
 *   pnpm --filter @opensoc/datasets exec tsx src/corpus/cli.ts --seed 1 --out ../../datasets/soc-corpus.jsonl --card ../../datasets/README.md
 * Prints the version hash and label counts.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { prepareVersion } from '../version.ts';
import { renderCorpusStats, replaceCardStats } from './card.ts';
import { generateCorpus } from './generator.ts';

const { values } = parseArgs({ options: { seed: { type: 'string', default: '1' }, out: { type: 'string' }, card: { type: 'string' }, scale: { type: 'string', default: '1' } } });
const seed = Number(values.seed);
const scale = Number(values.scale);
if (!Number.isInteger(seed) || !(scale > 0)) {
  console.error('usage: cli.ts --seed <integer> [--scale <number>] [--out <file.jsonl>] [--card <README.md>]');
  process.exit(2);
}
const records = generateCorpus({ seed, scale });
const version = prepareVersion(records);
if (values.out) {
  await writeFile(resolve(values.out), version.canonicalBytes);
  console.error(`wrote ${resolve(values.out)}`);
}
if (values.card) {
  const path = resolve(values.card);
  await writeFile(path, replaceCardStats(await readFile(path, 'utf8'), renderCorpusStats(records, version.stats, version.hash, seed)));
  console.error(`updated ${path}`);
}
console.log(JSON.stringify({ seed, scale, hash: version.hash, bytes: version.canonicalBytes.length, stats: version.stats }, null, 2));
