/**
 * What a case run came to, from the evidence on the case — never from what an agent says about itself:
 *
 * - `verified_autonomous`: RESOLVED with passing verifier read-backs, no human decision in the run;
 * - `resolved_after_approval`: RESOLVED and verified after a human decision (a held write approved, or a re-run);
 * - `assisted`: a shadow / assist hand-off (a draft, internal note or routing only; no breaker fired);
 * - `escalated`: handed to a human by a breaker or an agent's decision, closed by a human, or FAILED;
 * - `reopened`: resolved, then the ticket was reopened on the helpdesk (signal);
 * - `undelivered`: resolved, but the helpdesk never received the reply of this run.
 */
export const OUTCOME_TIERS = ['verified_autonomous', 'resolved_after_approval', 'assisted', 'escalated', 'reopened', 'undelivered'] as const;
export type OutcomeTier = (typeof OUTCOME_TIERS)[number];

/** Tiers that count as a verified resolution (the numerator of cost per verified resolution). */
export const VERIFIED_TIERS: readonly OutcomeTier[] = ['verified_autonomous', 'resolved_after_approval'];
