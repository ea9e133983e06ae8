/** What the verifier proved for this case: the only things a reply may claim. */
export interface EvidenceFacts {
  /** Writes that executed and whose read-back passed (tool + the exact arguments). */
  verifiedActions: Array<{ tool: string; arguments: Record<string, unknown> }>;
  /** Success checks that passed: id, the read tool, the topics they prove, and the values they observed. */
  passedChecks: Array<{ id: string; tool: string; topics: string[]; observed?: Record<string, unknown> }>;
  /** Identifiers the reply may mention: the ticket's own emails/ids/tenant, values in the evidence. */
  knownIdentifiers: string[];
  /**
   * Optional: values read before acting that a reply may quote (e.g. a procedure's step results: "after 5 failed
   * sign-in attempts"). Their numbers and dates back stated numbers; they never prove a topic.
   */
  readValues?: unknown;
  /**
   * Optional: the knowledge passages retrieved for this case (given by the supervisor, not by whoever wrote the reply).
   * A sentence quoted verbatim from a `customer` passage (a help-centre article) is documentation, not a claim about the
   * customer's systems; one quoted from an `internal` passage (a runbook) is refused: it was not written for customers.
   */
  sources?: Array<{ id: string; audience: 'customer' | 'internal'; text: string }>;
}

/** The checker's view of one sentence of the reply. */
export interface ClaimVerdict {
  sentence: string;
  /** `change`: an action was done / something changed; `state`: how the customer's systems are; `neutral`: neither. */
  kind: 'change' | 'state' | 'neutral';
  topics: string[];
  supported: boolean;
  problem?: string;
  /** The customer document the sentence quotes verbatim (then it is documentation, `neutral`). */
  quotedFrom?: string;
}

/** A topic of the lexicon: what a claim is about, recognised by any of its patterns (matched on folded text). */
export interface TopicRule {
  topic: string;
  patterns: RegExp[];
}

/**
 * A named thing a write acts on (a feature flag), which a claim must name the same way the verified write did, and
 * optionally a direction (on/off) it must agree with.
 */
export interface SubjectRule {
  /** The topic a mention of this subject asserts (e.g. `feature_flag`). */
  topic: string;
  /** The argument (of actions) or observed field (of checks) holding the subject's name (e.g. `flag`). */
  nameField: string;
  /** The boolean argument / observed field holding the direction (e.g. `enabled`). */
  stateField?: string;
  names: Array<{ value: string; patterns: RegExp[] }>;
  on?: RegExp[];
  off?: RegExp[];
}

/** Everything the checker knows about a catalogue and the languages it reads; data, so a deployment can swap it. */
export interface ClaimRules {
  /** Per write tool, the topics its verified execution proves. */
  writeTopics: Record<string, string[]>;
  /** Topic lexicon. Earlier rules win: a span matched by one rule is not matched again by later rules. */
  topics: TopicRule[];
  subjects: SubjectRule[];
  /** Patterns of identifiers that must be known to the case (emails, prefixed ids, ticket or invoice numbers). */
  identifiers: RegExp[];
  /** Topics that describe a result ("the dashboard works"): in a change claim a passed check may prove them, as long as a verified write backs the change itself. */
  resultTopics: string[];
  /** Phrases that name a place in the product rather than a topic ("login page"), masked before topics are read. */
  context: RegExp[];
  /** Words that may follow "tenant" without being a tenant id ("tenant cache", "the tenant never"). */
  tenantNouns: string[];
}

/** Options of {@link reviewReply}. */
export interface ReviewOptions {
  /** `no_action` (an answer): nothing in the reply may claim a change. Default `resolved`. */
  decision?: 'resolved' | 'no_action';
  rules?: ClaimRules;
}

/** The review of a whole reply: every sentence's verdict and one line per unsupported sentence. */
export interface ReplyReview {
  verdicts: ClaimVerdict[];
  unsupported: string[];
}
