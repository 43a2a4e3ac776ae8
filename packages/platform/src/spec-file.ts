import { readFile } from 'node:fs/promises';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { InvalidInputError, NotFoundError } from './errors.ts';

/** Where a field of a spec file is: 1-based line and column. */
export interface SpecPosition { line: number; col: number }
export type SpecLocator = (path: readonly PropertyKey[]) => SpecPosition | undefined;

/** A parsed spec file: the value, and a way to find the line of any field path for messages. */
export interface SpecFile { file: string; value: unknown; locate: SpecLocator }

/** `split.k`, `search.grid.ranks[0]`, `(root)`: how messages name a field. */
export function fieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : out === '' ? String(key) : `.${String(key)}`;
  return out === '' ? '(root)' : out;
}

/**
 * Reads a YAML or JSON spec. A missing file is a NotFoundError; a syntax error lists every
 * problem as `file:line:col: message`. JSON files are parsed strictly (JSON.parse); positions
 * for later field errors come from the YAML parser, which reads JSON as well.
 */
export async function readSpecFile(file: string): Promise<SpecFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new NotFoundError(`sweep spec ${file} not found (see examples/ for specs to start from)`);
    if (code === 'EISDIR') throw new InvalidInputError(`${file} is a directory, not a sweep spec file`);
    throw new InvalidInputError(`${file}: cannot read: ${(e as Error).message}`);
  }
  return parseSpecText(text, file);
}

export function parseSpecText(text: string, file: string): SpecFile {
  if (text.trim() === '') throw new InvalidInputError(`${file}: the file is empty (a sweep spec is a YAML or JSON object; see examples/)`);
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  const locate: SpecLocator = (path) => locateNode(doc, lineCounter, path);
  if (/\.json$/i.test(file)) {
    try {
      return { file, value: JSON.parse(text), locate };
    } catch (e) {
      const pos = jsonErrorPosition(text, (e as Error).message);
      throw new InvalidInputError(`invalid JSON in sweep spec:\n  ${file}:${pos.line}:${pos.col}: ${(e as Error).message.replace(/ in JSON at position \d+.*$/, '').replace(/\s*\n\s*/g, ' ')}`);
    }
  }
  if (doc.errors.length > 0) {
    const lines = doc.errors.map((err) => {
      const at = err.linePos?.[0];
      const message = err.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
      return `  ${file}:${at ? `${at.line}:${at.col}` : '?'}: ${message}`;
    });
    throw new InvalidInputError(`invalid YAML in sweep spec (${lines.length} error${lines.length === 1 ? '' : 's'}):\n${lines.join('\n')}`);
  }
  return { file, value: doc.toJS({ maxAliasCount: 100 }) as unknown, locate };
}

/** Line and column of a JSON.parse error: V8 names a position only for some errors, so find it by scanning. */
function jsonErrorPosition(text: string, message: string): SpecPosition {
  const m = /position (\d+)/.exec(message);
  const offset = m ? Number(m[1]) : jsonErrorOffset(text);
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, col: before[before.length - 1]!.length + 1 };
}

/** Offset of the first character where `text` stops being JSON (a small recursive-descent scan). */
export function jsonErrorOffset(text: string): number {
  let i = 0;
  const ws = () => { while (i < text.length && ' \t\r\n'.includes(text[i]!)) i++; };
  const fail = (): never => { throw i; };
  const literal = (word: string) => { if (text.startsWith(word, i)) i += word.length; else fail(); };
  const string = () => {
    if (text[i] !== '"') fail();
    i++;
    while (i < text.length && text[i] !== '"') {
      if (text.charCodeAt(i) < 0x20) fail();
      i += text[i] === '\\' ? 2 : 1;
    }
    if (i >= text.length) fail();
    i++;
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++; ws();
      if (text[i] === '}') { i++; return; }
      for (;;) {
        ws(); string(); ws();
        if (text[i] !== ':') fail();
        i++; value(); ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === '}') { i++; return; }
        fail();
      }
    } else if (c === '[') {
      i++; ws();
      if (text[i] === ']') { i++; return; }
      for (;;) {
        value(); ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === ']') { i++; return; }
        fail();
      }
    } else if (c === '"') string();
    else if (c === 't') literal('true');
    else if (c === 'f') literal('false');
    else if (c === 'n') literal('null');
    else {
      const num = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
      if (!num) fail();
      i += num![0].length;
    }
  };
  try {
    value(); ws();
    return i < text.length ? i : text.length;
  } catch (at) {
    return Math.min(at as number, text.length);
  }
}

/** The deepest existing node on the path (a missing field is reported where its parent is). */
function locateNode(doc: Document, lc: LineCounter, path: readonly PropertyKey[]): SpecPosition | undefined {
  let node: unknown = doc.contents;
  let found: Node | undefined = isMap(node) || isSeq(node) || isScalar(node) ? node : undefined;
  for (const key of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === key);
      if (!pair) break;
      // Point at the key: that is where a reader looks for the field.
      if (isScalar(pair.key)) found = pair.key;
      node = pair.value;
    } else if (isSeq(node) && typeof key === 'number') {
      node = node.items[key];
      if (node === undefined) break;
      if (isMap(node) || isSeq(node) || isScalar(node)) found = node;
    } else break;
  }
  const offset = found?.range?.[0];
  if (offset === undefined) return undefined;
  const p = lc.linePos(offset);
  return { line: p.line, col: p.col };
}

/** One problem of a spec: the field path (as `a.b[0]`) and what is wrong, for people. */
export interface SpecProblem { path: readonly PropertyKey[]; message: string }

/** The error listing every problem of a spec, each as `file:line:col: field: message`. */
export function specError(file: string, problems: SpecProblem[], locate?: SpecLocator, what = 'invalid sweep spec'): InvalidInputError {
  const lines = problems.map((p) => {
    const at = locate?.(p.path);
    return `  ${file}${at ? `:${at.line}:${at.col}` : ''}: ${fieldPath(p.path)}: ${p.message}`;
  });
  return new InvalidInputError(`${what} (${lines.length} error${lines.length === 1 ? '' : 's'}):\n${lines.join('\n')}`);
}

