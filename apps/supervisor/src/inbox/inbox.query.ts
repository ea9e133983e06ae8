import type { CaseStatus } from '@switchboard/contracts';

/** A position in queue order (urgency, updated_at, case id — all descending): the last row of a page. */
export interface InboxCursor {
  urgency: number;
  /** updated_at in microseconds since the epoch, exact (a JS Date would round it to milliseconds). */
  updatedUs: string;
  caseId: string;
}

/** What the inbox asks for: statuses, exact filters, words to search, a page after a cursor, or given case ids. */
export interface InboxQuery {
  statuses: readonly CaseStatus[];
  limit: number;
  tenant?: string;
  intent?: string;
  region?: string;
  /** The escalation breaker exactly, or words of the escalation reason (substring). */
  reason?: string;
  /** A user id, or null for unassigned cases. */
  assignee?: string | null;
  /** Cases that arrived in [createdFrom, createdTo) (a KPI's drill-down). */
  createdFrom?: Date;
  createdTo?: Date;
  /** Cases whose stored outcome tier is one of these (outcomes/outcome-tier.ts). */
  tiers?: readonly string[];
  search?: InboxSearch;
  after?: InboxCursor;
  /** Only these cases (the console's live updates: which changed cases still match, and where they sort). */
  ids?: readonly string[];
}

/** A case id typed whole is looked up as such; anything else is searched as words. */
export type InboxSearch = { caseId: string } | { tsquery: string } | { nothing: true };

const CURSOR = /^([0-3]):(\d{1,18}):(case_[0-9a-f]{24})$/;
const MAX_TERMS = 8;

/** The opaque `cursor` of a page: base64url of `urgency:updatedUs:caseId`. */
export function encodeCursor(c: InboxCursor): string {
  return Buffer.from(`${c.urgency}:${c.updatedUs}:${c.caseId}`).toString('base64url');
}

/** The cursor back, or undefined when it is not one this API handed out. */
export function decodeCursor(raw: string): InboxCursor | undefined {
  if (!/^[A-Za-z0-9_-]{1,100}$/.test(raw)) return undefined;
  const m = CURSOR.exec(Buffer.from(raw, 'base64url').toString('utf8'));
  return m ? { urgency: Number(m[1]), updatedUs: m[2]!, caseId: m[3]! } : undefined;
}

/**
 * Turns what a person typed into a search: a whole case id is an exact lookup; otherwise each word (letters, digits
 * and `@ . _ -` kept, anything a tsquery would read as an operator dropped) is a prefix term, at most 8, all required.
 * The terms are quoted lexemes, so no input can change the query's structure. Input with no word matches nothing.
 *
 * @example
 * searchOf('ops@globex  "refund"!') // → { tsquery: "'ops@globex':* & 'refund':*" }
 */
export function searchOf(q: string): InboxSearch {
  const trimmed = q.trim();
  if (/^case_[0-9a-f]{24}$/.test(trimmed)) return { caseId: trimmed };
  const terms = trimmed
    .split(/\s+/)
    .map((w) => w.normalize('NFC').replace(/[^\p{L}\p{N}@._-]/gu, '').toLowerCase())
    .filter((w) => /[\p{L}\p{N}]/u.test(w))
    .slice(0, MAX_TERMS);
  return terms.length ? { tsquery: terms.map((t) => `'${t}':*`).join(' & ') } : { nothing: true };
}
