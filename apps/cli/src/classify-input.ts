import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { EVENT_FORMATS, EVENT_IMPORTERS, formatIssue } from '@opensoc/datasets';
import type { EventFormat } from '@opensoc/datasets';
import { CliError, EXIT } from './context.ts';

/**
 * The logs `opensoc classify` reads: one per line (a JSONL line's "log" field if it has one), or,
 * with a SOC export format, one per event of the file (a malformed file fails whole, naming
 * file, line or index, and field).
 */
export async function* classifyInputs(file: string | undefined, format: string | undefined): AsyncGenerator<string> {
  if (format !== undefined) {
    if (!(EVENT_FORMATS as string[]).includes(format)) throw new CliError(`--format: unknown format "${format}"; known: ${EVENT_FORMATS.join(', ')}`, EXIT.usage);
    if (!file || file === '-') throw new CliError('--format needs a file (events are parsed as a whole, not streamed from stdin)', EXIT.usage);
    const res = await EVENT_IMPORTERS[format as EventFormat](file);
    if (res.errors.length > 0) throw new CliError(res.errors.map(formatIssue).join('\n'), EXIT.usage);
    for (const r of res.records) yield r.log;
    return;
  }
  const input = !file || file === '-' ? process.stdin : createReadStream(file);
  for await (const line of createInterface({ input, crlfDelay: Infinity })) {
    if (line.trim() === '') continue;
    let log = line;
    if (line.startsWith('{')) {
      try {
        log = String((JSON.parse(line) as { log?: unknown }).log ?? line);
      } catch {
        // A plain log line that starts with {.
      }
    }
    yield log;
  }
}
