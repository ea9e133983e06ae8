import { CHANGE_MARKERS, INSTRUCTION, NEUTRAL_FRAMES, OPENER, PERSON, STATE_MARKERS } from './lexicon';
import { fold, splitClauses } from './segment';
import type { ClaimRules } from './types';

/** A named subject a clause mentions (a flag), with the direction it states when it states one. */
export interface SubjectMention {
  topic: string;
  nameField: string;
  stateField?: string;
  value: string;
  /** true: turned on; false: turned off; undefined: no (or a contradictory) direction. */
  direction?: boolean;
}

/** One clause of a claim sentence. */
export interface ClauseAnalysis {
  text: string;
  kind: 'change' | 'state';
  topics: string[];
  subjects: SubjectMention[];
  /** The clause itself asserts something (a change or state marker), so it needs a topic of its own. */
  marked: boolean;
  /** Its subject is a pronoun ("it now runs until…"): without topics of its own it is about the previous claim's. */
  anaphoric?: boolean;
}

/** The checker's reading of one sentence. */
export interface SentenceAnalysis {
  kind: 'change' | 'state' | 'neutral';
  clauses: ClauseAnalysis[];
  topics: string[];
}

/** A purpose or condition ("to invite a member, …", "if the page is blank, …"): it asserts nothing itself. */
const CONDITION = '(?:to|pour|um|para|if|si|wenn|falls|in case|au cas ou|en caso de|once|as soon as|when you|after you|une fois|des que|sobald|nachdem sie|cuando|una vez)';
const LEADING_CONDITION = new RegExp(`^${CONDITION}\\s`);
const CONDITION_CLAUSE = new RegExp(`^${CONDITION}\\s[^,]{1,80},\\s`);
/** A sentence whose subject refers back to the previous one ("It now ends on 2026-12-09."). */
const ANAPHORA = /^(?:it|this|that|they|these|those|he|she|il|elle|ils|elles|cela|ceci|es|er|sie|das|dies|esto|eso|ella|ello)\b/;
const LIST_PREFIX = /^(?:\d{1,2}|[a-z])[.)]\s+/;
/** "can be extended", "must be at least": possibility or policy, not a report of what happened. */
const MODAL_PASSIVE = /\b(?:can|could|may|might|must|cannot|can't|will need to) (?:not |only |also )?be \w+/g;
/** The instruction frame whose leading imperative verb is not itself a state word ("active la autenticación"). */
const IMPERATIVE = INSTRUCTION;

const sticky = new WeakMap<RegExp, RegExp>();
/** The pattern without the global flag (whose lastIndex would make repeated .test() calls skip matches), cached. */
function once(p: RegExp): RegExp {
  let plain = sticky.get(p);
  if (!plain) sticky.set(p, (plain = p.global ? new RegExp(p.source, p.flags.replace('g', '')) : p));
  return plain;
}
const global = new WeakMap<RegExp, RegExp>();
function globalOf(p: RegExp): RegExp {
  let g = global.get(p);
  if (!g) global.set(p, (g = p.global ? p : new RegExp(p.source, `${p.flags}g`)));
  return g;
}
const matchesAny = (patterns: readonly RegExp[], text: string): boolean => patterns.some((p) => once(p).test(text));

/** The part of a sentence whose markers count: a leading "if …," / "to …," condition asserts nothing. */
function assertedPart(body: string): string {
  const rest = body.replace(CONDITION_CLAUSE, '').replace(MODAL_PASSIVE, ' ');
  const imperative = IMPERATIVE.exec(rest);
  return imperative ? rest.slice(imperative[0].length) : rest;
}

/**
 * Classifies one sentence. Neutral only when it sits in a recognisably neutral frame (greeting, thanks, apology,
 * closing, question, instruction, offer, the customer's own report, general information) and carries no change or
 * state marker; everything else is a claim, so an unknown wording fails closed.
 *
 * @example
 * analyseSentence('You can enable SSO under Settings.', DEFAULT_RULES).kind; // 'neutral'
 * analyseSentence('You can sign in again.', DEFAULT_RULES).kind;            // 'state'
 * analyseSentence('Admins invite users.', DEFAULT_RULES, { answer: true }).kind; // 'neutral' (documentation in an answer)
 */
export function analyseSentence(sentence: string, rules: ClaimRules, options: { answer?: boolean } = {}): SentenceAnalysis {
  const body = fold(sentence).replace(LIST_PREFIX, '').replace(OPENER, '').trim();
  if (!/[\p{L}\p{N}]/u.test(body) || isSignature(sentence)) return NEUTRAL;
  const question = /\?["')\]]*$/.test(body);
  // The clause after a leading condition is its consequence ("once you upload the metadata, your team can sign in").
  const clauses = splitClauses(body).map((text, i, all) => readClause(text, question, i > 0 && LEADING_CONDITION.test(all[i - 1]!), options.answer === true, rules));
  const claims = clauses.filter((c) => !c.neutral);
  // Filler next to a neutral clause ("…, and we will look into it") asserts nothing; a sentence made only of
  // unrecognised words does not get that benefit: it stays a claim with no topic, so it fails closed.
  const filler = (c: ClauseAnalysis) => !c.marked && c.topics.length === 0;
  if (claims.length === 0 || (claims.length < clauses.length && claims.every(filler))) return NEUTRAL;
  const topics = [...new Set(claims.flatMap((c) => c.topics))];
  const strip = ({ neutral: _n, ...c }: ClauseAnalysis & { neutral: boolean }): ClauseAnalysis => c;
  return { kind: claims.some((c) => c.kind === 'change') ? 'change' : 'state', clauses: claims.map(strip), topics };
}

const NEUTRAL: SentenceAnalysis = { kind: 'neutral', clauses: [], topics: [] };

/** A sign-off line: one to four capitalised words without sentence punctuation ("Switchboard Support"). */
function isSignature(sentence: string): boolean {
  return /^(?:\p{Lu}[\p{L}.'&-]*\s*){1,4}$/u.test(sentence.trim()) && !/[.!?]$/.test(sentence.trim());
}

function readClause(text: string, question: boolean, consequence: boolean, answer: boolean, rules: ClaimRules): ClauseAnalysis & { neutral: boolean } {
  const asserted = assertedPart(text);
  const change = matchesAny(CHANGE_MARKERS, asserted);
  const state = matchesAny(STATE_MARKERS, asserted);
  // In an answer (no_action), a statement about neither the customer nor us is product documentation ("Admins
  // invite users from Settings", "Refunds above 500 EUR need approval"); change and state markers still count.
  const impersonal = answer && !PERSON.test(text);
  const framed = question || consequence || impersonal || LEADING_CONDITION.test(text) || NEUTRAL_FRAMES.some((f) => f.test(text));
  const { topics, subjects } = topicsOf(text, rules);
  return { text, kind: change ? 'change' : 'state', topics, subjects, marked: change || state, ...(ANAPHORA.test(text) ? { anaphoric: true } : {}), neutral: framed && !change && (question || !state) };
}

/**
 * The topics a clause asserts and the named subjects (flags) it mentions. A subject counts as a claim about its topic
 * when the clause states a direction ("turned off the new dashboard") or asserts nothing else; otherwise it is context
 * ("after the new-dashboard change").
 *
 * @example
 * topicsOf('we turned off the new dashboard', DEFAULT_RULES).subjects[0]; // { value: 'new-dashboard', direction: false, … }
 */
export function topicsOf(clause: string, rules: ClaimRules): { topics: string[]; subjects: SubjectMention[] } {
  let text = ` ${clause} `;
  for (const re of rules.context) text = text.replace(globalOf(re), (m) => ' '.repeat(m.length));
  const mask = (re: RegExp): boolean => {
    let hit = false;
    text = text.replace(globalOf(re), (m) => { hit = true; return ' '.repeat(m.length); });
    return hit;
  };
  const subjects: SubjectMention[] = [];
  for (const subject of rules.subjects) {
    for (const name of subject.names) {
      if (!name.patterns.map(mask).some(Boolean)) continue;
      const on = matchesAny(subject.on ?? [], clause);
      const off = matchesAny(subject.off ?? [], clause);
      subjects.push({ topic: subject.topic, nameField: subject.nameField, value: name.value, ...(subject.stateField ? { stateField: subject.stateField } : {}), ...(on !== off ? { direction: on } : {}) });
    }
  }
  const topics = new Set<string>();
  for (const rule of rules.topics) if (rule.patterns.map(mask).some(Boolean)) topics.add(rule.topic);
  const asserted = subjects.filter((s) => s.direction !== undefined || topics.size === 0);
  for (const s of asserted) topics.add(s.topic);
  return { topics: [...topics], subjects: asserted };
}
