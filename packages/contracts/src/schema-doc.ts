import { z } from 'zod';

/**
 * A Markdown reference of a zod object schema, generated from its JSON Schema, so every field,
 * type, default and constraint comes from the schema itself and a new field appears on the next
 * run. Descriptions come from the schema's own metadata (`.describe()` / `.meta()`) or, failing
 * that, from a map keyed by field path (`split.k`, `search.grid.ranks`; a key may name one variant
 * of a union, `split[kind=fixed].testIds`, and wins over the plain path there).
 */
export interface SchemaDocOptions {
  descriptions?: Readonly<Record<string, string>>;
  /** Name of the top-level section. */
  rootTitle?: string;
}

export interface SchemaDoc {
  markdown: string;
  /** Field paths without any description (the doc shows them as such). */
  undocumented: string[];
  /** Description keys that match no field (renamed or removed fields). */
  unusedDescriptions: string[];
}

type Json = Record<string, unknown>;

const SAFE = Number.MAX_SAFE_INTEGER;

export function schemaDoc(schema: z.ZodType, opts: SchemaDocOptions = {}): SchemaDoc {
  const root = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Json;
  const defs = { ...((root.$defs as Json | undefined) ?? {}), ...((root.definitions as Json | undefined) ?? {}) };
  const deref = (s: Json): Json => {
    const ref = s.$ref;
    if (typeof ref !== 'string') return s;
    const name = ref.replace(/^#\/(\$defs|definitions)\//, '');
    return { ...(defs[name] as Json), ...Object.fromEntries(Object.entries(s).filter(([k]) => k !== '$ref')) };
  };
  const descriptions = opts.descriptions ?? {};
  const used = new Set<string>();
  const undocumented: string[] = [];
  const sections: string[] = [];

  const describe = (s: Json, keys: string[]): string => {
    if (typeof s.description === 'string') return s.description;
    for (const k of keys) {
      if (descriptions[k] !== undefined) { used.add(k); return descriptions[k]; }
    }
    undocumented.push(keys[keys.length - 1]!);
    return '_(no description yet)_';
  };

  const variantsOf = (s: Json): Json[] | undefined => {
    const list = (s.oneOf ?? s.anyOf) as Json[] | undefined;
    return list?.map(deref);
  };
  const discriminatorOf = (variants: Json[]): string | undefined => {
    const first = variants[0]?.properties as Record<string, Json> | undefined;
    if (!first) return undefined;
    return Object.keys(first).find((k) => variants.every((v) => (v.properties as Record<string, Json> | undefined)?.[k]?.const !== undefined));
  };
  const anchor = (path: string) => path.replace(/\[kind=([^\]]+)\]/g, '-$1').replace(/[^A-Za-z0-9-]+/g, '-').replace(/^-|-$/g, '').toLowerCase();
  const isObject = (s: Json) => s.type === 'object' && s.properties !== undefined;

  /** A one-line type, queuing a section for every object it contains. */
  const typeText = (raw: Json, path: string, queue: (title: string, path: string, s: Json) => void): string => {
    const s = deref(raw);
    if (s.const !== undefined) return `\`${JSON.stringify(s.const)}\``;
    if (Array.isArray(s.enum)) return `one of ${s.enum.map((v) => `\`${String(v)}\``).join(', ')}`;
    const variants = variantsOf(s);
    if (variants) {
      const disc = discriminatorOf(variants.filter(isObject));
      if (disc && variants.every(isObject)) {
        for (const v of variants) {
          const value = String((v.properties as Record<string, Json>)[disc]!.const);
          queue(`\`${path}\` with \`${disc}: ${value}\``, `${path}[${disc}=${value}]`, v);
        }
        return `object, by \`${disc}\`: ${variants.map((v) => { const value = String((v.properties as Record<string, Json>)[disc]!.const); return `[\`${value}\`](#${anchor(`${path}[${disc}=${value}]`)})`; }).join(', ')}`;
      }
      const formQueue = (t: string, p: string, o: Json) => queue(`${t} (object form)`, p, o);
      return variants.map((v, i) => typeText(v, variants.filter(isObject).length > 1 ? `${path}[${i}]` : path, formQueue)).join(' or ');
    }
    if (s.type === 'array') {
      const items = deref((s.items as Json | undefined) ?? {});
      return `list of ${typeText(items, path, queue)}`;
    }
    if (isObject(s)) {
      queue(`\`${path.replace(/\[[a-zA-Z]+=[^\]]+\]/g, '')}\``, path, s);
      return `[object](#${anchor(path)})`;
    }
    const constraints = constraintText(s);
    const base = s.type === 'integer' ? 'integer' : s.type === undefined ? 'any' : String(s.type);
    return constraints ? `${base} (${constraints})` : base;
  };

  /** `bases`: description-key prefixes of this object, most specific first. */
  const renderObject = (title: string, path: string, s: Json, bases: string[], introKeys: string[] = []) => {
    const props = (s.properties ?? {}) as Record<string, Json>;
    const required = new Set((s.required as string[] | undefined) ?? []);
    const queued: [string, string, Json, string[], string[]][] = [];
    const rows = Object.entries(props).map(([name, rawProp]) => {
      const prop = deref(rawProp);
      const fieldPath = path === '' ? name : `${path}.${name}`;
      const keys = bases.map((b) => (b === '' ? name : `${b}.${name}`));
      const queue = (t: string, p: string, o: Json) => {
        const variant = /\[[^\]]+\]$/.exec(p)?.[0];
        queued.push([t, p, o, variant ? [...keys.map((k) => `${k}${variant}`), ...keys] : keys, variant ? keys.map((k) => `${k}${variant}`) : []]);
      };
      const type = typeText(prop, fieldPath, queue);
      const arrayConstraints = prop.type === 'array' ? constraintText(prop) : '';
      const dflt = prop.default !== undefined ? `\`${JSON.stringify(prop.default)}\`` : required.has(name) ? '**required**' : 'optional';
      const cells = [`\`${name}\``, type + (arrayConstraints ? `, ${arrayConstraints}` : ''), dflt, describe(prop, keys)];
      return `| ${cells.map((c) => c.replace(/\|/g, '\\|').replace(/\n/g, ' ')).join(' | ')} |`;
    });
    const introKey = introKeys.find((k) => descriptions[k] !== undefined);
    if (introKey) used.add(introKey);
    const intro = [typeof s.description === 'string' ? s.description : introKey ? descriptions[introKey]! : '', s.additionalProperties === false ? 'Unknown fields are errors.' : ''].filter(Boolean).join(' ');
    sections.push([`<a id="${anchor(path) || 'top-level'}"></a>`, `### ${title}`, '', ...(intro ? [intro, ''] : []), '| field | type | default | description |', '|---|---|---|---|', ...rows, ''].join('\n'));
    for (const [t, p, o, k, i] of queued) renderObject(t, p, o, k, i);
  };

  renderObject(opts.rootTitle ?? 'Top level', '', root, ['']);
  const unusedDescriptions = Object.keys(descriptions).filter((k) => !used.has(k)).sort();
  return { markdown: sections.join('\n'), undocumented: [...new Set(undocumented)], unusedDescriptions };
}

/** Bounds, lengths, patterns and sizes, in words; the safe-integer bounds zod adds to every int say nothing. */
function constraintText(s: Json): string {
  const parts: string[] = [];
  const num = (v: unknown) => typeof v === 'number' && Math.abs(v) < SAFE;
  if (num(s.minimum)) parts.push(`>= ${String(s.minimum)}`);
  if (num(s.exclusiveMinimum)) parts.push(`> ${String(s.exclusiveMinimum)}`);
  if (num(s.maximum)) parts.push(`<= ${String(s.maximum)}`);
  if (num(s.exclusiveMaximum)) parts.push(`< ${String(s.exclusiveMaximum)}`);
  if (typeof s.minLength === 'number' && s.minLength > 0) parts.push(`at least ${s.minLength} character${s.minLength === 1 ? '' : 's'}`);
  if (typeof s.maxLength === 'number') parts.push(`at most ${s.maxLength} characters`);
  if (typeof s.pattern === 'string') parts.push(`matches \`${s.pattern}\``);
  if (typeof s.minItems === 'number' && s.minItems > 0) parts.push(`at least ${s.minItems} item${s.minItems === 1 ? '' : 's'}`);
  if (typeof s.maxItems === 'number') parts.push(`at most ${s.maxItems} items`);
  return parts.join(', ');
}
