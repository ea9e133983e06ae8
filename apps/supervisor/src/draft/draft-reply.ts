import { reviewReply, type EvidenceFacts, type ReplyReview } from '@switchboard/claims';
import type { Action, SuccessCheck, VerifierOutput } from '@switchboard/contracts';
import type { CaseState, ProvenFacts } from '../case/case.types';

// Caps keep the checkpointed proof bounded; an observed value too large to keep backs no number or date (stricter, not looser).
const MAX_PROVEN_ACTIONS = 20;
const MAX_PASSED_CHECKS = 40;
const MAX_OBSERVED_CHARS = 2_000;

/**
 * What the verifier proved in this run, in the claim checker's terms: the executed writes whose every read-back passed
 * and the success checks that passed, with the topics the checks declare. The same facts the verifier reviewed the
 * agents' draft against (apps/verifier), kept on the case so a human's edit is held to the same rule.
 *
 * @example
 * s.verification.proof = provenFacts(s.resolution.actions, verifierOutput, procedures.successChecks(intent, procedure));
 */
export function provenFacts(actions: readonly Action[], out: VerifierOutput, checks: readonly SuccessCheck[]): ProvenFacts {
  const topics = new Map(checks.map((c) => [c.id, c.topics]));
  const readBacks = (a: Action) => out.evidence.filter((e) => e.forAction === a.toolCallId);
  const verifiedActions = actions
    .filter((a) => a.executed && readBacks(a).length > 0 && readBacks(a).every((e) => e.passed))
    .slice(0, MAX_PROVEN_ACTIONS)
    .map((a) => ({ tool: a.tool, arguments: a.arguments }));
  const passedChecks = out.evidence
    .filter((e) => e.passed && e.check)
    .slice(0, MAX_PASSED_CHECKS)
    .map((e) => {
      const observed = e.observed && typeof e.observed === 'object' && JSON.stringify(e.observed).length <= MAX_OBSERVED_CHARS ? (e.observed as Record<string, unknown>) : undefined;
      return { id: e.check!, tool: e.tool, topics: topics.get(e.check!) ?? [], ...(observed ? { observed } : {}) };
    });
  return { verifiedActions, passedChecks };
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === 'string');

/**
 * Everything a reply on this case may state: the run's proof (nothing when no verifier ran, e.g. assist or shadow mode)
 * and the case's own identifiers (tenant, requester, ticket, entities triage found, procedure slots), as the verifier
 * builds them.
 */
export function draftFacts(s: CaseState): EvidenceFacts {
  const proof = s.verification?.proof;
  const entities = (s.triage?.entities ?? {}) as Record<string, unknown>;
  return {
    verifiedActions: proof?.verifiedActions ?? [],
    passedChecks: proof?.passedChecks ?? [],
    knownIdentifiers: [
      s.tenantId, s.ticket.requester.email, s.ticket.externalId,
      ...strings(entities['emails']), ...strings(entities['ids']), ...strings(entities['userEmail']),
      ...Object.values(s.resolution?.slots ?? {}).flatMap(strings),
    ],
  };
}

/**
 * The verifier's claim rules on a human's reply: every sentence that states a change or a state must be backed by this
 * run's verified evidence. Pure; the console runs it before sending and the case machine again on the command.
 *
 * @example
 * reviewDraft(state, 'We refunded invoice inv_9.').unsupported; // ['"We refunded invoice inv_9." claims refund but no verified action did that']
 */
export function reviewDraft(s: CaseState, body: string): ReplyReview {
  return reviewReply(body, draftFacts(s), { decision: s.resolution?.decision === 'no_action' ? 'no_action' : 'resolved' });
}

/** Why `userId` cannot send a reply on the case now (`undefined`: they can). Assignment and status, not the text. */
export function replyBlocker(s: Pick<CaseState, 'status' | 'assignee' | 'run'>, userId: string, run?: number): { why: string; assignee?: string } | undefined {
  if (s.status !== 'ESCALATED') return { why: `only an escalated case is answered from the console (status ${s.status})` };
  if (s.assignee && s.assignee !== userId) return { why: `assigned to ${s.assignee}`, assignee: s.assignee };
  if (run !== undefined && run !== s.run) return { why: `the reply was checked against run ${run}; the case is at run ${s.run}` };
  return undefined;
}

/** The draft panel of the case page: the agents' proposed reply (if any) and the run it belongs to. */
export function draftView(s: CaseState): { proposed: string | null; run: number; evidence: { actions: number; checks: number } } {
  const proof = s.verification?.proof;
  return {
    proposed: s.resolution?.draftReply.trim() ? s.resolution.draftReply : null,
    run: s.run,
    evidence: { actions: proof?.verifiedActions.length ?? 0, checks: proof?.passedChecks.length ?? 0 },
  };
}
