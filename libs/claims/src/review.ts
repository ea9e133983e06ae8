import { analyseSentence, type ClauseAnalysis, type SentenceAnalysis, type SubjectMention } from './analyse';
import { DEFAULT_RULES } from './default-rules';
import { splitSentences } from './segment';
import type { ClaimRules, ClaimVerdict, EvidenceFacts, ReplyReview, ReviewOptions } from './types';
import { evidenceValues, identifierShape, identifiersIn, matchesEvidence, statedValues } from './values';

/** Longer replies are not read at all (a support reply is a few hundred words); the whole reply is unsupported. */
export const MAX_REPLY_CHARS = 20_000;
/** A "sentence" longer than this is not prose a customer reads; it is unsupported rather than scanned. */
export const MAX_SENTENCE_CHARS = 1_500;

/** Shortest sentence taken as a quote of a customer document (shorter ones are too common to say where they come from). */
const MIN_QUOTE_CHARS = 12;
/** Shortest sentence refused as a quote of an internal document ("Start a new one." is no leak). */
const MIN_INTERNAL_QUOTE_CHARS = 40;

/** Whitespace- and case-insensitive form for finding a sentence inside a source (replies re-wrap lines). */
const flat = (s: string): string => s.replace(/\s+/g, ' ').trim().toLowerCase();

/** The source a sentence quotes verbatim: a customer document first, else an internal one; undefined for neither. */
function quotedSource(sentence: string, sources: ReadonlyArray<{ id: string; audience: 'customer' | 'internal'; flat: string }>) {
  const f = flat(sentence);
  if (f.length < MIN_QUOTE_CHARS) return undefined;
  return sources.find((s) => s.audience === 'customer' && s.flat.includes(f))
    ?? (f.length >= MIN_INTERNAL_QUOTE_CHARS ? sources.find((s) => s.audience === 'internal' && s.flat.includes(f)) : undefined);
}

/** One piece of evidence that proves some topics: a verified write (its arguments) or a passed check (what it observed). */
interface Proof { topics: string[]; fields: Record<string, unknown>; change: boolean }

function proofsOf(facts: EvidenceFacts, rules: ClaimRules): Proof[] {
  return [
    ...facts.verifiedActions.map((a): Proof => ({ topics: rules.writeTopics[a.tool] ?? [], fields: a.arguments, change: true })),
    ...facts.passedChecks.map((c): Proof => ({ topics: c.topics, fields: c.observed ?? {}, change: false })),
  ];
}

/**
 * Every topic the rules can recognise or a write can prove: what a success check may declare in its `topics`. A check
 * declaring a topic outside this list could never back a claim, so configuration should be validated against it.
 *
 * @example
 * knownTopics().includes('dashboard'); // true
 */
export function knownTopics(rules: ClaimRules = DEFAULT_RULES): string[] {
  return [...new Set([...rules.topics.map((t) => t.topic), ...rules.subjects.map((s) => s.topic), ...Object.values(rules.writeTopics).flat()])].sort();
}

const sameName = (a: unknown, b: string): boolean => typeof a === 'string' && a.toLowerCase() === b.toLowerCase();

/** Whether one proof backs a subject mention: the same name, and the same direction when the clause states one. */
function backsSubject(p: Proof, s: SubjectMention): boolean {
  if (!p.topics.includes(s.topic) || !sameName(p.fields[s.nameField], s.value)) return false;
  return s.direction === undefined || !s.stateField || p.fields[s.stateField] === s.direction;
}

/** Problems of one claim clause against the proofs it may use (writes only for a change). */
function clauseProblems(clause: ClauseAnalysis, proofs: Proof[], decision: 'resolved' | 'no_action', rules: ClaimRules): string[] {
  if (clause.topics.length === 0) return clause.marked ? [`"${clause.text}" asserts something no evidence covers`] : [];
  if (clause.kind === 'change' && decision === 'no_action') return [`claims a change (${clause.topics.join(', ')}) in an answer that made none`];
  const writes = proofs.filter((p) => p.change);
  const usable = clause.kind === 'change' ? writes : proofs;
  const problems: string[] = [];
  // A change needs a write for what changed; the result it describes ("…, so the dashboard works") may be a check's.
  const provenBy = (t: string) => (clause.kind === 'change' && rules.resultTopics.includes(t) && writes.length > 0 ? proofs : usable).some((p) => p.topics.includes(t));
  const missing = clause.topics.filter((t) => !provenBy(t));
  if (missing.length > 0) {
    problems.push(clause.kind === 'change'
      ? `claims ${missing.join(', ')} but no verified action did that`
      : `states ${missing.join(', ')} but no evidence shows it`);
  }
  for (const s of clause.subjects) {
    if (missing.includes(s.topic) || proofs.some((p) => (p.change || clause.kind === 'state') && backsSubject(p, s))) continue;
    const direction = s.direction === undefined ? '' : s.direction ? ' on' : ' off';
    problems.push(`claims ${s.value}${direction}, which the evidence does not show`);
  }
  const shaped = usable.filter((p) => clause.topics.some((t) => p.topics.includes(t)));
  for (const id of identifiersIn(clause.text, rules)) {
    const shape = identifierShape(id);
    if (!shape) continue;
    const acted = shaped.flatMap((p) => Object.values(p.fields)).filter((v): v is string => typeof v === 'string' && identifierShape(v) === shape);
    if (acted.length > 0 && !acted.some((v) => sameName(v, id))) problems.push(`names ${id}, but the evidence concerns ${acted.join(', ')}`);
  }
  return problems;
}

/**
 * "We extended your trial by 14 days: it now runs until 2026-12-09." A clause whose subject is a pronoun and that has
 * no topic of its own is about the topics of the claim before it (in the sentence, or the previous sentence).
 */
function resolveAnaphora(analysis: SentenceAnalysis, previous: string[]): SentenceAnalysis {
  if (analysis.kind === 'neutral') return analysis;
  let before = previous;
  const clauses = analysis.clauses.map((c, i) => {
    const resolved = c.anaphoric && c.topics.length === 0 && before.length > 0 && (c.marked || i === 0) ? { ...c, topics: before } : c;
    if (resolved.topics.length > 0) before = resolved.topics;
    return resolved;
  });
  return { ...analysis, clauses, topics: [...new Set(clauses.flatMap((c) => c.topics))] };
}

/**
 * Reviews a drafted reply sentence by sentence against what the verifier proved. A sentence that asserts a change
 * or a state is supported only when every topic it asserts is proven (a change by a verified write, a state by a
 * write or a passed check), the flags, identifiers, numbers and dates it states match that evidence, and — for a
 * `no_action` answer — it claims no change at all. Identifiers (emails, `inv_…`, `GX-1001`, "tenant x") not known to
 * the case make a sentence unsupported wherever they appear. A sentence quoted verbatim from a customer document
 * retrieved for the case (`facts.sources`) is documentation and supported; one quoted from an internal document is
 * not (runbooks name tools, thresholds and security checks). Deterministic, no I/O.
 *
 * @example
 * const facts = { verifiedActions: [{ tool: 'reset_tenant_cache', arguments: { tenantId: 'acme-eu' } }], passedChecks: [], knownIdentifiers: ['acme-eu'] };
 * reviewReply('Hi Anna, we reset your cache; your dashboard works again. Best, Support', facts).unsupported; // []
 * reviewReply("C'est réglé, tout fonctionne à nouveau.", { ...facts, verifiedActions: [] }).unsupported.length; // 1
 */
export function reviewReply(reply: string, facts: EvidenceFacts, options: ReviewOptions = {}): ReplyReview {
  const rules = options.rules ?? DEFAULT_RULES;
  const decision = options.decision ?? 'resolved';
  const proofs = proofsOf(facts, rules);
  const known = { numbers: new Set<number>(), dates: new Set<string>(), strings: new Set(facts.knownIdentifiers.map((k) => k.toLowerCase())) };
  evidenceValues(proofs.map((p) => p.fields), known);

  if (reply.length > MAX_REPLY_CHARS) {
    const problem = `the reply is ${reply.length} characters long; replies over ${MAX_REPLY_CHARS} are not checked`;
    return { verdicts: [{ sentence: reply.slice(0, 200), kind: 'state', topics: [], supported: false, problem }], unsupported: [problem] };
  }
  const sources = (facts.sources ?? []).map((s) => ({ id: s.id, audience: s.audience, flat: flat(s.text) }));
  let previousTopics: string[] = [];
  const verdicts = splitSentences(reply).map((sentence): ClaimVerdict => {
    if (sentence.length > MAX_SENTENCE_CHARS) {
      return { sentence, kind: 'state', topics: [], supported: false, problem: `a sentence of ${sentence.length} characters is not checked (over ${MAX_SENTENCE_CHARS})` };
    }
    const source = quotedSource(sentence, sources);
    if (source?.audience === 'customer') return { sentence, kind: 'neutral', topics: [], supported: true, quotedFrom: source.id };
    if (source) return { sentence, kind: 'state', topics: [], supported: false, problem: `quotes ${source.id}, an internal document not written for customers` };
    const analysis = resolveAnaphora(analyseSentence(sentence, rules, { answer: decision === 'no_action' }), previousTopics);
    if (analysis.kind !== 'neutral') previousTopics = analysis.topics;
    const problems: string[] = [];
    const leaked = identifiersIn(sentence, rules).filter((id) => !known.strings.has(id.toLowerCase()));
    if (analysis.kind !== 'neutral') {
      if (analysis.topics.length === 0) problems.push('asserts something no evidence can back (no topic recognised)');
      else problems.push(...analysis.clauses.flatMap((c) => clauseProblems(c, proofs, decision, rules)));
    }
    // Stated numbers are compared once the topics are proven: against the evidence of those topics.
    if (analysis.kind !== 'neutral' && problems.length === 0) {
      const relevant = { numbers: new Set<number>(), dates: new Set<string>(), strings: new Set<string>() };
      const specific = analysis.topics.filter((t) => t !== 'fixed');
      evidenceValues(proofs.filter((p) => specific.length === 0 || p.topics.some((t) => specific.includes(t))).map((p) => p.fields), relevant);
      evidenceValues(facts.readValues, relevant);
      const wrong = analysis.clauses.flatMap((c) => statedValues(c.text, rules)).filter((v) => !matchesEvidence(v, relevant));
      if (wrong.length > 0) problems.push(`states ${wrong.map((v) => v.text).join(', ')}, which the evidence does not show`);
    }
    if (leaked.length > 0) problems.push(`mentions data not in this case: ${leaked.join(', ')}`);
    const unique = [...new Set(problems)];
    return {
      sentence,
      kind: analysis.kind,
      topics: analysis.topics,
      supported: unique.length === 0,
      ...(unique.length > 0 ? { problem: unique.join('; ') } : {}),
    };
  });
  const clip = (s: string) => (s.length > 140 ? `${s.slice(0, 137)}…` : s);
  return { verdicts, unsupported: verdicts.filter((v) => !v.supported).map((v) => `${v.problem}: "${clip(v.sentence.replace(/\s+/g, ' '))}"`) };
}
