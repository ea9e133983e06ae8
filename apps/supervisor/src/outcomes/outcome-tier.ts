import type { CaseCore } from '../case/case.types';
import type { OutcomeTier } from './outcome-tier.types';

export { OUTCOME_TIERS, VERIFIED_TIERS, type OutcomeTier } from './outcome-tier.types';

/** One piece of evidence a tier rests on; `traceId` points at the trace row that shows it, when there is one. */
export type TierEvidence =
  | { kind: 'verifier_readback'; checks: number; passed: number; traceId?: string; readbacks?: Array<{ tool: string; check?: string; passed: boolean }> }
  | { kind: 'approval'; approvalId: string; tool: string; by: string; at: string; traceId?: string }
  | { kind: 'rerun'; run: number; traceId?: string }
  | { kind: 'helpdesk_signal'; signal: 'reopened'; eventId: string; at: string; traceId?: string }
  | { kind: 'helpdesk_delivery'; deliveryId: string; delivery: string; status: 'delivered' | 'failed'; reason?: string }
  | { kind: 'escalation'; reason: string; breaker?: string }
  | { kind: 'mode'; mode: string };

export interface CaseOutcomeTier {
  tier: OutcomeTier;
  run: number;
  evidence: TierEvidence[];
}

/** A trace row as stored (`supervisor.trace`) or as the machine produces it; only what the evidence needs. */
export interface TierTraceRow {
  id?: string;
  kind: string;
  agent?: string | null;
  data: Record<string, unknown>;
}

type TierFacts = Pick<CaseCore, 'status' | 'mode' | 'run' | 'verification' | 'escalation' | 'helpdesk' | 'approvals'>;

/**
 * The run's outcome tier with its evidence, or `null` while the run is still in progress (or waits for an approval).
 * Pure. The tier comes from the case state alone (so the machine can store it for the KPIs); the trace, when given,
 * only adds links to the rows that show the evidence (verifier read-backs, the approval command, the reopen signal).
 *
 * @example
 * const outcome = outcomeTier(view.state, view.trace); // { tier: 'reopened', run: 1, evidence: [{ kind: 'helpdesk_signal', … }] }
 */
export function outcomeTier(s: TierFacts, trace: readonly TierTraceRow[] = []): CaseOutcomeTier | null {
  const runTrace = currentRun(trace);
  const escalation = (): TierEvidence => ({ kind: 'escalation', reason: s.escalation?.reason ?? 'no reason recorded', ...(s.escalation?.breaker ? { breaker: s.escalation.breaker } : {}) });
  switch (s.status) {
    case 'RESOLVED':
      return resolvedTier(s, runTrace);
    case 'ESCALATED':
    case 'CLOSED':
      if (s.mode !== 'autonomous' && s.escalation && !s.escalation.breaker) return { tier: 'assisted', run: s.run, evidence: [{ kind: 'mode', mode: s.mode }, escalation()] };
      if (s.status === 'CLOSED' && !s.escalation) return { tier: 'escalated', run: s.run, evidence: [{ kind: 'escalation', reason: 'closed by a human', breaker: 'closed' }] };
      return { tier: 'escalated', run: s.run, evidence: [escalation()] };
    case 'FAILED':
      return { tier: 'escalated', run: s.run, evidence: [{ kind: 'escalation', reason: 'the supervisor could not process the case', breaker: 'internal_failure' }] };
    default:
      return null;
  }
}

function resolvedTier(s: TierFacts, runTrace: readonly TierTraceRow[]): CaseOutcomeTier {
  const v = s.verification;
  const verifierRow = [...runTrace].reverse().find((r) => r.kind === 'result' && r.agent === 'verifier');
  const readback: TierEvidence = {
    kind: 'verifier_readback', checks: v?.evidence ?? 0, passed: v?.passed ?? 0,
    ...(verifierRow?.id ? { traceId: verifierRow.id } : {}),
    ...(verifierRow ? { readbacks: readbacksOf(verifierRow) } : {}),
  };
  const approvals: TierEvidence[] = (s.approvals ?? []).filter((a) => a.run === s.run).map((a) => {
    const row = runTrace.find((r) => r.kind === 'command' && r.data['command'] === 'approve' && r.data['approvalId'] === a.approvalId);
    return { kind: 'approval', approvalId: a.approvalId, tool: a.tool, by: a.by, at: a.at, ...(row?.id ? { traceId: row.id } : {}) };
  });
  const human: TierEvidence[] = [...approvals];
  if (s.run > 1) {
    const row = [...runTrace].find((r) => r.kind === 'command' && r.data['command'] === 'rerun');
    human.push({ kind: 'rerun', run: s.run, ...(row?.id ? { traceId: row.id } : {}) });
  }
  const h = s.helpdesk;
  if (h && h.reopens > 0) {
    const signals = runTrace.filter((r) => r.data['event'] === 'helpdesk_reopened' && r.data['afterResolved'] === true).map((r): TierEvidence => ({
      kind: 'helpdesk_signal', signal: 'reopened', eventId: String(r.data['eventId'] ?? ''), at: String(r.data['at'] ?? ''), ...(r.id ? { traceId: r.id } : {}),
    }));
    const counted: TierEvidence[] = signals.length > 0 ? signals : [{ kind: 'helpdesk_signal', signal: 'reopened', eventId: `${h.reopens} reopen(s)`, at: '' }];
    return { tier: 'reopened', run: s.run, evidence: [...counted, readback, ...human] };
  }
  const failedReply = Object.entries(h?.deliveries ?? {}).find(([, d]) => d.kind === 'reply' && d.run === s.run && d.status === 'failed');
  if (failedReply) {
    const [deliveryId, d] = failedReply;
    return {
      tier: 'undelivered', run: s.run,
      evidence: [{ kind: 'helpdesk_delivery', deliveryId, delivery: 'reply', status: 'failed', ...(d.reason ? { reason: `${d.reason.code}: ${d.reason.message}` } : {}) }, readback, ...human],
    };
  }
  return { tier: human.length > 0 ? 'resolved_after_approval' : 'verified_autonomous', run: s.run, evidence: [readback, ...human] };
}

/** The trace rows of the current run: everything after the last human re-run. */
function currentRun(trace: readonly TierTraceRow[]): readonly TierTraceRow[] {
  let start = 0;
  trace.forEach((r, i) => {
    if (r.kind === 'command' && r.data['command'] === 'rerun') start = i;
  });
  return trace.slice(start);
}

function readbacksOf(row: TierTraceRow): Array<{ tool: string; check?: string; passed: boolean }> {
  const out = row.data['verifier'] as { evidence?: Array<{ tool?: unknown; check?: unknown; passed?: unknown }> } | undefined;
  return (out?.evidence ?? []).slice(0, 40).map((e) => ({ tool: String(e.tool ?? ''), ...(typeof e.check === 'string' ? { check: e.check } : {}), passed: e.passed === true }));
}
