import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Path of a committed importer fixture. */
export const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

/** Writes a throw-away file for malformed-input tests; call the returned cleanup after. */
export async function scratchFile(name: string, text: string): Promise<{ path: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'opensoc-events-'));
  const path = join(dir, name);
  await writeFile(path, text);
  return { path, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
