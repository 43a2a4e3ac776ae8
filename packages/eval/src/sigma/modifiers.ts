/**
 * Sigma value matching: one detection value plus its field modifiers becomes a predicate over the
 * field's text. Values are case-insensitive unless `cased` (or a regex without `i`); `*` and `?`
 * are wildcards in plain values, `\` escapes them.
 */

export type ValuePredicate = (value: string | undefined) => boolean;

export class UnsupportedRule extends Error {}

const TRANSFORMS = new Set(['wide', 'utf16le', 'utf16be', 'utf16', 'base64', 'base64offset', 'windash']);
const MATCHERS = new Set(['contains', 'startswith', 'endswith', 're', 'cidr', 'exists', 'gt', 'gte', 'lt', 'lte', 'fieldref']);
const FLAGS = new Set(['all', 'cased', 'i', 'ignorecase', 'm', 'multiline', 's', 'dotall']);

const utf16le = (s: string) => Buffer.from(s, 'utf16le');
function utf16be(s: string): Buffer {
  const b = utf16le(s);
  for (let i = 0; i + 1 < b.length; i += 2) [b[i], b[i + 1]] = [b[i + 1]!, b[i]!];
  return b;
}

/** The three base64 encodings of `bytes` at offsets 0, 1, 2 inside a longer text, boundary characters cut (as pySigma). */
export function base64Offsets(bytes: Buffer): string[] {
  const start = [0, 2, 3];
  const end = [undefined, -3, -2];
  return [0, 1, 2].map((i) => {
    const b64 = Buffer.concat([Buffer.alloc(i, 0x20), bytes]).toString('base64');
    const e = end[(bytes.length + i) % 3];
    return b64.slice(start[i], e);
  });
}

/** windash: a dash starting a command-line switch may be written as -, /, en dash, em dash or horizontal bar. */
export function windashVariants(s: string): string[] {
  if (!/(^|\s)-/.test(s)) return [s];
  return ['-', '/', '\u2013', '\u2014', '\u2015'].map((c) => s.replace(/(^|\s)-/g, `$1${c}`));
}

/** Applies the encoding modifiers in order; each value may become several. Wildcards survive only without encodings. */
function transform(value: string, mods: readonly string[]): { values: string[]; encoded: boolean } {
  let values = [value];
  let bytes: Buffer[] | undefined;
  let encoded = false;
  for (const m of mods) {
    if (m === 'windash') values = values.flatMap(windashVariants);
    else if (m === 'wide' || m === 'utf16le') bytes = values.map(utf16le);
    else if (m === 'utf16be') bytes = values.map(utf16be);
    else if (m === 'utf16') bytes = values.map((v) => Buffer.concat([Buffer.from([0xff, 0xfe]), utf16le(v)]));
    else if (m === 'base64') {
      values = (bytes ?? values.map((v) => Buffer.from(v))).map((b) => b.toString('base64'));
      bytes = undefined;
      encoded = true;
    } else if (m === 'base64offset') {
      values = (bytes ?? values.map((v) => Buffer.from(v))).flatMap(base64Offsets);
      bytes = undefined;
      encoded = true;
    }
  }
  if (bytes) throw new UnsupportedRule('a utf16 modifier without base64');
  return { values, encoded };
}

/** Lower-casing the same field value for hundreds of rules is the hot path: remember the last few. */
const lowerCache = new Map<string, string>();
function lowerOf(x: string): string {
  let v = lowerCache.get(x);
  if (v === undefined) {
    if (lowerCache.size > 256) lowerCache.clear();
    lowerCache.set(x, (v = x.toLowerCase()));
  }
  return v;
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** A Sigma plain value as a regex body: `*` -> .*, `?` -> ., `\*` `\?` `\\` literal. */
export function wildcardToRegex(value: string, literal: boolean): string {
  if (literal) return escapeRe(value);
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c === '\\' && (value[i + 1] === '*' || value[i + 1] === '?' || value[i + 1] === '\\')) {
      out += escapeRe(value[i + 1]!);
      i++;
    } else if (c === '*') out += '.*';
    else if (c === '?') out += '.';
    else out += escapeRe(c);
  }
  return out;
}

function parseIp(s: string): { v: 4 | 6; n: bigint } | undefined {
  const t = s.trim().replace(/^\[|\]$/g, '');
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(t);
  if (v4) {
    const parts = v4.slice(1).map(Number);
    if (parts.some((p) => p > 255)) return undefined;
    return { v: 4, n: parts.reduce((a, p) => (a << 8n) | BigInt(p), 0n) };
  }
  if (!t.includes(':')) return undefined;
  let body = t.replace(/%.*$/, '');
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two hextets.
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(body);
  if (tail) {
    const ip4 = parseIp(tail[1]!);
    if (!ip4) return undefined;
    body = body.slice(0, -tail[1]!.length) + `${(ip4.n >> 16n).toString(16)}:${(ip4.n & 0xffffn).toString(16)}`;
  }
  const halves = body.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(':') : [];
  const rest = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const missing = 8 - head.length - rest.length;
  if ((halves.length === 1 && missing !== 0) || missing < 0) return undefined;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...rest];
  if (groups.some((g) => !/^[0-9a-f]{1,4}$/i.test(g))) return undefined;
  return { v: 6, n: groups.reduce((a, g) => (a << 16n) | BigInt(parseInt(g, 16)), 0n) };
}

/** CIDR membership for IPv4 and IPv6 (`10.0.0.0/8`, `fe80::/10`). */
export function cidrPredicate(cidr: string): ValuePredicate {
  const [addr, bitsText] = cidr.split('/');
  const net = parseIp(addr ?? '');
  const width = net?.v === 4 ? 32 : 128;
  const bits = bitsText === undefined ? width : Number(bitsText);
  if (!net || !Number.isInteger(bits) || bits < 0 || bits > width) throw new UnsupportedRule(`bad cidr "${cidr}"`);
  const shift = BigInt(width - bits);
  return (v) => {
    const ip = v === undefined ? undefined : parseIp(v);
    return ip !== undefined && ip.v === net.v && ip.n >> shift === net.n >> shift;
  };
}

/** Regex from a Sigma `re` value: inline (?i) (?s) (?m) prefixes become flags; JS syntax otherwise. */
export function sigmaRegex(source: string, flags: string): RegExp {
  let body = source;
  let f = flags;
  const inline = /^\(\?([ims]+)\)/.exec(body);
  if (inline) {
    body = body.slice(inline[0].length);
    for (const c of inline[1]!) if (!f.includes(c)) f += c;
  }
  try {
    return new RegExp(body, f);
  } catch (e) {
    throw new UnsupportedRule(`regex not valid in JavaScript: ${(e as Error).message}`);
  }
}

export interface FieldCondition {
  /** Matches the event's field lookup (field name -> text). */
  test(get: (field: string) => string | undefined): boolean;
}

/**
 * Compiles `Field|mod|mod: value(s)`. Lists are OR (AND with `all`); null matches an absent or
 * empty field.
 */
export function compileFieldCondition(field: string, mods: readonly string[], raw: unknown): FieldCondition {
  for (const m of mods) if (!TRANSFORMS.has(m) && !MATCHERS.has(m) && !FLAGS.has(m)) throw new UnsupportedRule(`modifier "${m}"`);
  const values = Array.isArray(raw) ? (raw as unknown[]) : [raw];
  const all = mods.includes('all');
  const matcher = mods.find((m) => MATCHERS.has(m));
  const preds: ValuePredicate[] = [];
  const fieldPreds: ((get: (f: string) => string | undefined) => boolean)[] = [];
  for (const v of values) {
    if (v === null) {
      preds.push((x) => x === undefined || x === '');
      continue;
    }
    if (typeof v === 'object') throw new UnsupportedRule(`a nested value under ${field}`);
    const text = String(v);
    if (matcher === 'exists') {
      const want = v === true || text.toLowerCase() === 'true';
      preds.push((x) => (x !== undefined) === want);
      continue;
    }
    if (matcher === 'fieldref') {
      fieldPreds.push((get) => {
        const a = get(field);
        const b = get(text);
        return a !== undefined && b !== undefined && (mods.includes('cased') ? a === b : a.toLowerCase() === b.toLowerCase());
      });
      continue;
    }
    if (matcher === 'cidr') {
      preds.push(cidrPredicate(text));
      continue;
    }
    if (matcher === 'gt' || matcher === 'gte' || matcher === 'lt' || matcher === 'lte') {
      const n = Number(text);
      preds.push((x) => {
        const y = x === undefined ? NaN : Number(x);
        if (Number.isNaN(y)) return false;
        return matcher === 'gt' ? y > n : matcher === 'gte' ? y >= n : matcher === 'lt' ? y < n : y <= n;
      });
      continue;
    }
    if (matcher === 're') {
      const flags = (mods.includes('i') || mods.includes('ignorecase') ? 'i' : '') + (mods.includes('m') || mods.includes('multiline') ? 'm' : '') + (mods.includes('s') || mods.includes('dotall') ? 's' : '');
      const re = sigmaRegex(text, flags);
      preds.push((x) => x !== undefined && re.test(x));
      continue;
    }
    const { values: variants, encoded } = transform(text, mods);
    const plain = variants.every((s) => encoded || !/[*?\\]/.test(s));
    if (plain && !mods.includes('cased')) {
      // Most values have no wildcard: lower-cased string tests are much cheaper than a regex per value.
      const needles = variants.map((s) => s.toLowerCase());
      const test = matcher === 'contains' ? (x: string) => needles.some((n) => x.includes(n)) : matcher === 'startswith' ? (x: string) => needles.some((n) => x.startsWith(n)) : matcher === 'endswith' ? (x: string) => needles.some((n) => x.endsWith(n)) : (x: string) => needles.includes(x);
      preds.push((x) => x !== undefined && test(lowerOf(x)));
      continue;
    }
    const bodies = variants.map((s) => wildcardToRegex(s, encoded));
    const alt = bodies.length === 1 ? bodies[0]! : `(?:${bodies.join('|')})`;
    const anchored = matcher === 'contains' ? alt : matcher === 'startswith' ? `^${alt}` : matcher === 'endswith' ? `${alt}$` : `^${alt}$`;
    const re = new RegExp(anchored, mods.includes('cased') ? 's' : 'is');
    preds.push((x) => x !== undefined && re.test(x));
  }
  if (fieldPreds.length > 0) return { test: (get) => (all ? fieldPreds.every((p) => p(get)) : fieldPreds.some((p) => p(get))) };
  if (preds.length === 0) return { test: () => false };
  return { test: (get) => {
    const x = get(field);
    return all ? preds.every((p) => p(x)) : preds.some((p) => p(x));
  } };
}

/** Keyword values (a list without field names): searched anywhere in the event's text. */
export function compileKeywords(values: readonly unknown[], mods: readonly string[] = []): (text: string) => boolean {
  const res = values.map((v) => {
    if (v === null || typeof v === 'object') throw new UnsupportedRule('a non-scalar keyword');
    const { values: variants, encoded } = transform(String(v), mods);
    return new RegExp(variants.map((s) => wildcardToRegex(s, encoded)).join('|'), mods.includes('cased') ? 's' : 'is');
  });
  const all = mods.includes('all');
  return (text) => (all ? res.every((r) => r.test(text)) : res.some((r) => r.test(text)));
}
