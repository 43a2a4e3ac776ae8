import { EventParseError } from './events.ts';

/** One JSON value of an input and where it is: line (JSON lines) or index (array / single document). */
export interface JsonItem {
  value: unknown;
  raw: string;
  line?: number;
  index?: number;
}

/**
 * Reads JSON lines, a JSON array, or one JSON document (pretty-printed or not). `unwrap` picks
 * the array out of a wrapper object (CloudTrail's {"Records": [...]}).
 */
export function readJsonItems(text: string, unwrap?: (doc: unknown) => unknown[] | undefined): JsonItem[] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  let whole: unknown;
  let parsedWhole = false;
  try {
    whole = JSON.parse(trimmed);
    parsedWhole = true;
  } catch {
    // Not one document: JSON lines below.
  }
  if (parsedWhole) {
    const list = Array.isArray(whole) ? whole : (unwrap?.(whole) ?? [whole]);
    return list.map((value, index) => ({ value, raw: JSON.stringify(value), index }));
  }
  if (trimmed.startsWith('[')) throw new EventParseError('malformed JSON array', { line: 1 });
  const items: JsonItem[] = [];
  text.split('\n').forEach((l, i) => {
    const s = l.trim();
    if (s === '') return;
    try {
      items.push({ value: JSON.parse(s), raw: s, line: i + 1 });
    } catch (e) {
      throw new EventParseError(`malformed JSON: ${(e as Error).message}`, { line: i + 1 });
    }
  });
  // JSON lines whose items are wrappers (one CloudTrail file per line) flatten to their records.
  if (unwrap) {
    return items.flatMap((it) => {
      const inner = unwrap(it.value);
      return inner ? inner.map((value) => ({ value, raw: JSON.stringify(value), line: it.line })) : [it];
    });
  }
  return items;
}

export const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

export const at = (it: JsonItem) => (it.line !== undefined ? { line: it.line } : { index: it.index });

/** Nested objects flattened to dotted keys (ECS `process.command_line`), arrays as JSON. */
export function flatten(obj: Record<string, unknown>, prefix = '', out: Record<string, string> = {}): Record<string, string> {
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (isObject(v)) flatten(v, key, out);
    else if (v !== null && v !== undefined) out[key] = typeof v === 'string' ? v : JSON.stringify(v);
  }
  return out;
}
