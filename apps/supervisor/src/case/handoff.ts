import type { HandoffPacket } from '@switchboard/contracts';
import type { CaseState } from './case.types';

const NEXT_STEP: Record<string, string> = {
  max_iterations: 'Review the trace; the agents kept looping. Resolve by hand or re-run with a hint.',
  max_tokens: 'The token budget is spent. Resolve by hand, or re-run with a narrower hint.',
  max_cost: 'The cost budget is spent. Resolve by hand, or re-run with a narrower hint.',
  max_tool_errors: 'Tools kept failing; check the tried actions and the backend before re-running.',
  repeated_failure: 'The same action failed repeatedly; fix its cause (arguments, backend) or resolve by hand.',
  step_timeout: 'An agent never answered; check that it is running, then re-run.',
  agent_unavailable: 'An agent kept failing transiently; check its health, then re-run.',
  bad_output: 'An agent returned unusable output; resolve by hand or re-run with a hint.',
  low_confidence: 'Triage was unsure of the intent; confirm it and re-run or resolve by hand.',
  injection_risk: 'The ticket looks like a prompt-injection attempt; handle it by hand.',
  unverified: 'The verifier could not confirm the fix; check the evidence before replying.',
  approval_rejected: 'The proposed write was rejected; resolve by hand.',
  approval_failed: 'The gateway refused the approval (expired or unknown); re-run to get a fresh proposal.',
};

/**
 * What a human needs to take over a case: sent on the outcome, and rebuilt from the state for the console.
 *
 * @example
 * const packet = handoffPacket(state, state.escalation!.reason, state.escalation!.breaker);
 */
export function handoffPacket(s: CaseState, reason: string, breaker: string | undefined): HandoffPacket {
  return {
    reason,
    ...(breaker ? { breaker } : {}),
    asked: `${s.ticket.subject}: ${s.triage?.summary ?? s.ticket.body.slice(0, 500)}`.slice(0, 2000),
    findings: s.findings,
    tried: s.tried,
    counters: { ...s.counters, run: s.run },
    suggestedNextStep: (breaker && NEXT_STEP[breaker]) || 'Read the findings and the trace, then resolve by hand or re-run with a hint.',
  };
}
