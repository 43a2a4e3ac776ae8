import { UnsupportedRule } from './modifiers.ts';

/** A parsed Sigma condition over named search identifiers. */
export type Condition =
  | { kind: 'id'; name: string }
  | { kind: 'not'; arg: Condition }
  | { kind: 'and' | 'or'; args: Condition[] }
  | { kind: 'of'; quantifier: 'one' | 'all'; pattern: string; targets?: string[] };

function tokenize(text: string): string[] {
  const tokens = text.match(/\(|\)|[^\s()]+/g);
  if (!tokens) throw new UnsupportedRule('empty condition');
  return tokens;
}

/**
 * Parses `sel1 and not (filter1 or 1 of filter_*)`, `all of them`, `1 of selection*`.
 * Precedence: not > and > or. Aggregations (`| count() ...`) and `near` are not supported.
 */
export function parseCondition(text: string): Condition {
  if (text.includes('|')) throw new UnsupportedRule('aggregation in condition');
  const tokens = tokenize(text);
  let i = 0;
  const peek = () => tokens[i]?.toLowerCase();
  const expect = (t: string) => {
    if (peek() !== t) throw new UnsupportedRule(`condition: expected "${t}" at token ${i + 1} of "${text}"`);
    i++;
  };
  const primary = (): Condition => {
    const t = tokens[i];
    if (t === undefined) throw new UnsupportedRule(`condition ends early: "${text}"`);
    const lower = t.toLowerCase();
    if (lower === '(') {
      i++;
      const inner = orExpr();
      expect(')');
      return inner;
    }
    if (lower === 'not') {
      i++;
      return { kind: 'not', arg: primary() };
    }
    if (lower === '1' || lower === 'all' || lower === 'any') {
      if (tokens[i + 1]?.toLowerCase() === 'of') {
        i += 2;
        const pattern = tokens[i++];
        if (pattern === undefined) throw new UnsupportedRule(`condition: "of" without a target in "${text}"`);
        return { kind: 'of', quantifier: lower === 'all' ? 'all' : 'one', pattern };
      }
    }
    if (['and', 'or', ')', 'of'].includes(lower)) throw new UnsupportedRule(`condition: unexpected "${t}" in "${text}"`);
    i++;
    return { kind: 'id', name: t };
  };
  const andExpr = (): Condition => {
    const args = [primary()];
    while (peek() === 'and') {
      i++;
      args.push(primary());
    }
    return args.length === 1 ? args[0]! : { kind: 'and', args };
  };
  const orExpr = (): Condition => {
    const args = [andExpr()];
    while (peek() === 'or') {
      i++;
      args.push(andExpr());
    }
    return args.length === 1 ? args[0]! : { kind: 'or', args };
  };
  const result = orExpr();
  if (i !== tokens.length) throw new UnsupportedRule(`condition: unexpected "${tokens[i]}" in "${text}"`);
  return result;
}

const globToRegex = (p: string) => new RegExp(`^${p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);

/** Checks every identifier the condition names exists (an `of` pattern must match at least one). */
export function conditionIdentifiers(c: Condition, names: readonly string[]): void {
  if (c.kind === 'id' && !names.includes(c.name)) throw new UnsupportedRule(`condition names unknown identifier "${c.name}"`);
  if (c.kind === 'of' && c.pattern !== 'them' && !names.some((n) => globToRegex(c.pattern).test(n))) throw new UnsupportedRule(`condition pattern "${c.pattern}" matches no identifier`);
  if (c.kind === 'not') conditionIdentifiers(c.arg, names);
  if (c.kind === 'and' || c.kind === 'or') for (const a of c.args) conditionIdentifiers(a, names);
}

const ofTargets = (pattern: string, names: readonly string[]) => (pattern === 'them' ? names.filter((n) => !n.startsWith('_')) : names.filter((n) => globToRegex(pattern).test(n)));

/** The condition with each `of` pattern resolved to its identifiers once, so evaluation does no pattern matching. */
export function bindCondition(c: Condition, names: readonly string[]): Condition {
  switch (c.kind) {
    case 'id':
      return c;
    case 'not':
      return { kind: 'not', arg: bindCondition(c.arg, names) };
    case 'and':
    case 'or':
      return { kind: c.kind, args: c.args.map((a) => bindCondition(a, names)) };
    case 'of':
      return { ...c, targets: ofTargets(c.pattern, names) };
  }
}

/** Evaluates a condition given each identifier's result (computed lazily, once). */
export function evaluateCondition(c: Condition, names: readonly string[], value: (name: string) => boolean): boolean {
  switch (c.kind) {
    case 'id':
      return value(c.name);
    case 'not':
      return !evaluateCondition(c.arg, names, value);
    case 'and':
      return c.args.every((a) => evaluateCondition(a, names, value));
    case 'or':
      return c.args.some((a) => evaluateCondition(a, names, value));
    case 'of': {
      // `them` excludes identifiers starting with an underscore, as the specification says.
      const targets = c.targets ?? ofTargets(c.pattern, names);
      return c.quantifier === 'all' ? targets.every(value) : targets.some(value);
    }
  }
}
