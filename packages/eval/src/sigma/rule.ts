import { MITRE_TACTICS } from '@opensoc/contracts';
import type { MitreTactic } from '@opensoc/contracts';
import { bindCondition, conditionIdentifiers, evaluateCondition, parseCondition } from './condition.ts';
import type { Condition } from './condition.ts';
import type { Logsource, SigmaEvent } from './logsource.ts';
import { compileFieldCondition, compileKeywords, UnsupportedRule } from './modifiers.ts';

export const LEVELS = ['informational', 'low', 'medium', 'high', 'critical'] as const;
export type Level = (typeof LEVELS)[number];

export interface SigmaRule {
  id: string;
  title: string;
  level: Level;
  status: string;
  /** The rule's `author` field, kept for attribution (DRL 1.1). */
  author: string;
  logsource: Logsource;
  /** ATT&CK technique ids from the tags (attack.t1059.001 -> T1059.001), in tag order. */
  techniques: string[];
  tactics: MitreTactic[];
  /** Where the rule came from (path in the SigmaHQ repository). */
  path?: string;
  matches(ev: SigmaEvent): boolean;
}

type Search = (ev: SigmaEvent) => boolean;

const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function compileMap(map: Record<string, unknown>): Search {
  const parts: Search[] = Object.entries(map).map(([key, value]) => {
    const [field, ...mods] = key.split('|');
    if (field === '' || field === undefined) {
      const kw = compileKeywords(Array.isArray(value) ? value : [value], mods);
      return (ev) => kw(ev.text);
    }
    const cond = compileFieldCondition(field, mods, value);
    return (ev) => cond.test(ev.get);
  });
  return (ev) => parts.every((p) => p(ev));
}

function compileSearch(value: unknown): Search {
  if (isMap(value)) return compileMap(value);
  if (Array.isArray(value)) {
    if (value.every(isMap)) {
      const alts = value.map(compileMap);
      return (ev) => alts.some((a) => a(ev));
    }
    if (value.some(isMap)) throw new UnsupportedRule('a list mixing maps and keywords');
    const kw = compileKeywords(value);
    return (ev) => kw(ev.text);
  }
  if (value === null || typeof value === 'object') throw new UnsupportedRule('an empty search identifier');
  const kw = compileKeywords([value]);
  return (ev) => kw(ev.text);
}

const TACTIC_SET = new Set<string>(MITRE_TACTICS);

/** ATT&CK labels from Sigma tags: attack.t1059.001 and attack.execution (old underscore spellings too). */
export function attackTags(tags: readonly string[]): { techniques: string[]; tactics: MitreTactic[] } {
  const techniques: string[] = [];
  const tactics: MitreTactic[] = [];
  for (const tag of tags) {
    const t = tag.toLowerCase();
    if (!t.startsWith('attack.')) continue;
    const rest = t.slice(7);
    if (/^t\d{4}(\.\d{3})?$/.test(rest)) techniques.push(rest.toUpperCase());
    else {
      const tactic = rest.replace(/_/g, '-');
      if (TACTIC_SET.has(tactic) && !tactics.includes(tactic as MitreTactic)) tactics.push(tactic as MitreTactic);
    }
  }
  return { techniques, tactics };
}

/** Compiles a parsed Sigma rule document; throws UnsupportedRule for what this engine does not evaluate. */
export function compileRule(doc: unknown, path?: string): SigmaRule {
  if (!isMap(doc)) throw new UnsupportedRule('not a rule document');
  if (doc.correlation !== undefined || doc.filter !== undefined) throw new UnsupportedRule('correlation / filter rules');
  const detection = doc.detection;
  if (!isMap(detection)) throw new UnsupportedRule('no detection');
  if (detection.timeframe !== undefined) throw new UnsupportedRule('timeframe');
  const names = Object.keys(detection).filter((k) => k !== 'condition');
  const searches = new Map(names.map((n) => [n, compileSearch(detection[n])]));
  const rawCondition = detection.condition;
  const conditionTexts = Array.isArray(rawCondition) ? rawCondition : [rawCondition];
  if (conditionTexts.some((c) => typeof c !== 'string')) throw new UnsupportedRule('no condition');
  const conditions: Condition[] = (conditionTexts as string[]).map(parseCondition);
  for (const c of conditions) conditionIdentifiers(c, names);
  const bound = conditions.map((c) => bindCondition(c, names));
  const level = String(doc.level ?? 'medium').toLowerCase();
  if (!(LEVELS as readonly string[]).includes(level)) throw new UnsupportedRule(`level "${level}"`);
  const ls = isMap(doc.logsource) ? doc.logsource : {};
  const { techniques, tactics } = attackTags(Array.isArray(doc.tags) ? doc.tags.map(String) : []);
  return {
    id: String(doc.id ?? path ?? doc.title),
    title: String(doc.title ?? ''),
    level: level as Level,
    status: String(doc.status ?? ''),
    author: String(doc.author ?? ''),
    logsource: {
      ...(typeof ls.product === 'string' ? { product: ls.product } : {}),
      ...(typeof ls.category === 'string' ? { category: ls.category } : {}),
      ...(typeof ls.service === 'string' ? { service: ls.service } : {}),
    },
    techniques,
    tactics,
    ...(path ? { path } : {}),
    matches(ev) {
      const cache = new Map<string, boolean>();
      const value = (n: string) => {
        let v = cache.get(n);
        if (v === undefined) cache.set(n, (v = searches.get(n)!(ev)));
        return v;
      };
      return bound.some((c) => evaluateCondition(c, names, value));
    },
  };
}
