import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { TECHNIQUE_ID_PATTERN } from '@opensoc/contracts';

/** One ATT&CK technique or sub-technique, as far as label validation needs it. */
export interface AttackTechnique {
  id: string;
  name: string;
  /** Tactic shortnames (kill-chain phase names), e.g. 'credential-access'. */
  tactics: string[];
  deprecated: boolean;
  revoked: boolean;
  revokedBy: string[];
}

export interface AttackTable {
  techniques: Map<string, AttackTechnique>;
  /** Tactic shortname -> display name ('initial-access' -> 'Initial Access'). */
  tactics: Map<string, string>;
}

export interface LabelIssue {
  field: 'mitreTechnique' | 'mitreTactic';
  message: string;
}

const asRecord = (v: unknown): Record<string, unknown> => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>) : {});

/** Reads the compact table (enterprise-attack-techniques.json) or a MITRE STIX bundle with attack-pattern objects. */
export function parseAttackTable(json: unknown): AttackTable {
  const root = asRecord(json);
  if (Array.isArray(root.techniques)) return parseCompactTable(root);
  if (Array.isArray(root.objects)) return parseStixBundle(root.objects);
  throw new Error('not an ATT&CK table: expected a "techniques" array or a STIX bundle with "objects"');
}

export async function loadAttackTable(path: string): Promise<AttackTable> {
  return parseAttackTable(JSON.parse(await readFile(path, 'utf8')));
}

/**
 * MITRE ATT&CK Enterprise v18.1, bundled with its licence and provenance (datasets/attack/README.md):
 * the table technique ids are checked against unless a user names another one.
 */
export const BUNDLED_ATTACK_TABLE = fileURLToPath(new URL('../../../datasets/attack/enterprise-attack-techniques.json', import.meta.url));

function parseCompactTable(root: Record<string, unknown>): AttackTable {
  const techniques = new Map<string, AttackTechnique>();
  for (const raw of root.techniques as unknown[]) {
    const t = asRecord(raw);
    if (typeof t.id !== 'string') throw new Error('ATT&CK table: technique without an id');
    techniques.set(t.id, {
      id: t.id,
      name: String(t.name ?? ''),
      tactics: Array.isArray(t.tactics) ? t.tactics.map(String) : [],
      deprecated: t.deprecated === true,
      revoked: t.revoked === true,
      revokedBy: Array.isArray(t.revoked_by) ? t.revoked_by.map(String) : [],
    });
  }
  const tactics = new Map<string, string>();
  for (const raw of Array.isArray(root.tactics) ? root.tactics : []) {
    const t = asRecord(raw);
    if (typeof t.shortname === 'string') tactics.set(t.shortname, String(t.name ?? t.shortname));
  }
  return { techniques, tactics };
}

function parseStixBundle(objects: unknown[]): AttackTable {
  const techniques = new Map<string, AttackTechnique>();
  const tactics = new Map<string, string>();
  const idByStixId = new Map<string, string>();
  const revokedBy: [string, string][] = [];
  for (const raw of objects) {
    const o = asRecord(raw);
    if (o.type === 'attack-pattern') {
      const ref = (Array.isArray(o.external_references) ? o.external_references : []).map(asRecord).find((r) => r.source_name === 'mitre-attack');
      if (!ref || typeof ref.external_id !== 'string') continue;
      const phases = (Array.isArray(o.kill_chain_phases) ? o.kill_chain_phases : [])
        .map(asRecord)
        .filter((p) => p.kill_chain_name === 'mitre-attack')
        .map((p) => String(p.phase_name));
      idByStixId.set(String(o.id), ref.external_id);
      techniques.set(ref.external_id, {
        id: ref.external_id,
        name: String(o.name ?? ''),
        tactics: phases,
        deprecated: o.x_mitre_deprecated === true,
        revoked: o.revoked === true,
        revokedBy: [],
      });
    } else if (o.type === 'x-mitre-tactic' && typeof o.x_mitre_shortname === 'string') {
      tactics.set(o.x_mitre_shortname, String(o.name ?? o.x_mitre_shortname));
    } else if (o.type === 'relationship' && o.relationship_type === 'revoked-by') {
      revokedBy.push([String(o.source_ref), String(o.target_ref)]);
    }
  }
  for (const [src, dst] of revokedBy) {
    const from = idByStixId.get(src);
    const to = idByStixId.get(dst);
    if (from && to) techniques.get(from)!.revokedBy.push(to);
  }
  return { techniques, tactics };
}

/**
 * Checks a technique/tactic pair. Syntax is always checked; with a table the id must exist and not
 * be revoked, and the tactic must be one of the technique's tactics. Deprecated ids are warnings.
 */
export function checkTechnique(
  technique: string | null | undefined,
  tactic: string | null | undefined,
  table?: AttackTable,
): { errors: LabelIssue[]; warnings: LabelIssue[] } {
  const errors: LabelIssue[] = [];
  const warnings: LabelIssue[] = [];
  if (technique === null || technique === undefined) return { errors, warnings };
  if (!TECHNIQUE_ID_PATTERN.test(technique)) {
    errors.push({ field: 'mitreTechnique', message: `"${technique}" is not an ATT&CK id like T1110 or T1110.001` });
    return { errors, warnings };
  }
  if (!table) return { errors, warnings };
  const t = table.techniques.get(technique);
  if (!t) {
    errors.push({ field: 'mitreTechnique', message: `${technique} is not in the ATT&CK table` });
    return { errors, warnings };
  }
  if (t.revoked) {
    const by = t.revokedBy.length > 0 ? `; use ${t.revokedBy.join(' or ')}` : '';
    errors.push({ field: 'mitreTechnique', message: `${technique} (${t.name}) is revoked${by}` });
  } else if (t.deprecated) {
    warnings.push({ field: 'mitreTechnique', message: `${technique} (${t.name}) is deprecated` });
  }
  if (tactic !== null && tactic !== undefined && !t.tactics.includes(tactic)) {
    errors.push({ field: 'mitreTactic', message: `"${tactic}" is not a tactic of ${technique} (${t.name}); expected one of ${t.tactics.join('|')}` });
  }
  return { errors, warnings };
}
