import { flatten, parseEventsText } from '@opensoc/datasets';
import { LEVELS } from './rule.ts';
import type { SigmaRule } from './rule.ts';
import { eventKeys, logsourceKey, logsourceMatches, sigmaView } from './logsource.ts';
import type { ParsedLike, SigmaEvent } from './logsource.ts';

/** Parses a raw log for rule evaluation (one view per event); JSON logs also expose every nested key by dotted path (requestParameters.userName). */
export function sigmaEventsFromLog(log: string): SigmaEvent[] {
  const events = parseEventsText(log);
  if (events.length === 1 && log.trimStart().startsWith('{')) {
    try {
      events[0] = { ...events[0]!, fields: { ...flatten(JSON.parse(log) as Record<string, unknown>), ...events[0]!.fields } };
    } catch {
      // parseEventsText accepted it, so it is JSON; keep the parsed fields if not.
    }
  }
  return events.map(sigmaView);
}

const levelRank = (r: SigmaRule) => LEVELS.indexOf(r.level);

/** Rules indexed by logsource so an event is only tested against the rules that can apply to it. */
export class SigmaEngine {
  private readonly index = new Map<string, SigmaRule[]>();
  private readonly order = new Map<SigmaRule, number>();
  constructor(readonly rules: readonly SigmaRule[]) {
    rules.forEach((r, i) => {
      this.order.set(r, i);
      const key = logsourceKey(r.logsource);
      const list = this.index.get(key) ?? [];
      list.push(r);
      this.index.set(key, list);
    });
  }

  /** Every rule that matches the event, in bundle order. */
  matchEvent(ev: SigmaEvent): SigmaRule[] {
    const candidates = eventKeys(ev).flatMap((k) => this.index.get(k) ?? []);
    return candidates.filter((r) => logsourceMatches(r.logsource, ev) && r.matches(ev)).sort((a, b) => this.order.get(a)! - this.order.get(b)!);
  }

  /** Every rule that matches any event of the log (a burst of lines is several events). */
  matchLog(log: string): SigmaRule[] {
    const matched = new Set<SigmaRule>();
    for (const ev of sigmaEventsFromLog(log)) for (const r of this.matchEvent(ev)) matched.add(r);
    return [...matched];
  }

  /** The rule whose labels a match predicts: highest level, then one with ATT&CK tags, then the smaller id. */
  static best(matches: readonly SigmaRule[]): SigmaRule | undefined {
    return [...matches].sort((a, b) => levelRank(b) - levelRank(a) || Number(b.techniques.length > 0) - Number(a.techniques.length > 0) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))[0];
  }
}

export type { ParsedLike };
