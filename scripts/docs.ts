/**
 * `pnpm docs`: writes docs/sweep-spec.md from the sweep-spec schema. `pnpm docs --check` only
 * says whether the committed file is current (exit 1 if not), as the test does.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sweepSpecReference } from '../packages/contracts/src/sweep-spec-doc.ts';

const target = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../docs/sweep-spec.md');
const doc = sweepSpecReference();
for (const f of doc.undocumented) console.error(`warning: sweep-spec field ${f} has no description (add it to packages/contracts/src/sweep-spec-doc.ts or .describe() it)`);
for (const k of doc.unusedDescriptions) console.error(`warning: description key ${k} matches no field`);
if (process.argv.includes('--check')) {
  let current = '';
  try { current = readFileSync(target, 'utf8'); } catch { /* missing counts as stale */ }
  if (current !== doc.markdown) {
    console.error('docs/sweep-spec.md is stale: run pnpm docs');
    process.exit(1);
  }
  console.error('docs/sweep-spec.md is current');
} else {
  writeFileSync(target, doc.markdown);
  console.error(`wrote ${path.relative(process.cwd(), target)}`);
}
