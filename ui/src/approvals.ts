/**
 * Reading an approval's payload into the exact list of changes the operator
 * is asked to approve. Pure.
 */
import type { ApprovalKind } from './api';

/** The changes, one line each; `raw` when the payload has an unknown shape
 * (then the UI shows the JSON itself, so nothing is hidden). */
export interface ApprovalChanges {
  items: string[];
  raw: string | null;
}

/** `mass_clear`: `["login", …]`; `mapping_purge`: `[["employeeId","login"], …]`
 * (removals) and `[["employeeId","from","to"], …]` (re-pointings);
 * `reconcile_fix`: `[["login","value"], …]` (empty: clear). */
export function describeApproval(kind: ApprovalKind, payload: string): ApprovalChanges {
  let data: unknown;
  try {
    data = JSON.parse(payload);
  } catch {
    return { items: [], raw: payload };
  }
  if (!Array.isArray(data)) return { items: [], raw: JSON.stringify(data, null, 2) };
  if (kind === 'mass_clear' && data.every((x) => typeof x === 'string')) {
    return { items: (data as string[]).map((login) => `Clear the duty value of ${login}`), raw: null };
  }
  if (
    kind === 'mapping_purge' &&
    data.every((x) => Array.isArray(x) && (x.length === 2 || x.length === 3) && x.every((y) => typeof y === 'string'))
  ) {
    return {
      items: (data as string[][]).map(([id, a, b]) =>
        b === undefined
          ? `Remove the mapping of employee ${id} to ${a}`
          : `Re-point employee ${id} from ${a} to ${b}`,
      ),
      raw: null,
    };
  }
  if (
    kind === 'reconcile_fix' &&
    data.every((x) => Array.isArray(x) && x.length === 2 && x.every((y) => typeof y === 'string'))
  ) {
    return {
      items: (data as [string, string][]).map(([login, value]) =>
        value === '' ? `Clear the duty value of ${login}` : `Set the duty value of ${login} to ${value}`,
      ),
      raw: null,
    };
  }
  return { items: [], raw: JSON.stringify(data, null, 2) };
}

/** What an approval is about, for its confirmation: how many changes, in
 * operator words, and the first few people or employees it touches. */
export interface ApprovalSample {
  /** Exact number of changes; null when the payload could not be read. */
  count: number | null;
  /** `duty values`, `mappings`. */
  noun: string;
  /** Up to `max` names (logins or employee IDs), in payload order. */
  names: string[];
  /** How many more names there are beyond `names`. */
  more: number;
}

export function approvalSample(kind: ApprovalKind, payload: string, max = 5): ApprovalSample {
  const noun = kind === 'mapping_purge' ? 'mappings' : 'duty values';
  const changes = describeApproval(kind, payload);
  if (changes.raw !== null) return { count: null, noun, names: [], more: 0 };
  const data = JSON.parse(payload) as (string | string[])[];
  const all = data.map((x) => (typeof x === 'string' ? x : kind === 'mapping_purge' ? `employee ${x[0]}` : (x[0] ?? '')));
  return { count: all.length, noun, names: all.slice(0, max), more: Math.max(0, all.length - max) };
}
