import type { GatewayVerdict } from '@switchboard/gateway-client';

/**
 * One guardrail decision on a case: who decided (`source`), which control and rule, what it decided, for which agent
 * and task, and a reference to the record it comes from (a trace row, a decision-log row, a gateway audit row).
 */
export interface ControlVerdict {
  at: string;
  source: 'supervisor' | 'triage' | 'verifier' | 'console' | 'gateway';
  control: string;
  rule: string;
  verdict: string;
  agent: string | null;
  taskId: string | null;
  detail?: string;
  ref: { trace?: string; decision?: string; auditId?: string };
  /** The case (in cross-case answers; a case's own ledger omits it). */
  caseId?: string;
}

/** A trace row as stored (supervisor.trace). */
export interface TraceRow {
  id: string;
  caseId?: string;
  kind: string;
  agent: string | null;
  taskId: string | null;
  data: Record<string, unknown>;
  at: string;
}

/** A decision-log row (supervisor.decisions). */
export interface DecisionRow {
  id: string;
  caseId?: string;
  command: string;
  actorId: string;
  arguments: Record<string, unknown>;
  at: string;
}

/**
 * The supervisor's and the agents' guardrail verdicts, read from what the case already records: breakers, rollout-mode
 * violations, triage's injection screen and redaction, the verifier's read-back, humans' approval decisions. Pure.
 *
 * @example
 * verdictsFromRecords(traceRows, decisionRows); // [{ source: 'supervisor', control: 'breaker', rule: 'unverified', … }]
 */
export function verdictsFromRecords(trace: readonly TraceRow[], decisions: readonly DecisionRow[]): ControlVerdict[] {
  const out: ControlVerdict[] = [];
  for (const t of trace) {
    const base = { at: t.at, agent: t.agent, taskId: t.taskId, ref: { trace: t.id }, ...(t.caseId ? { caseId: t.caseId } : {}) };
    const d = t.data as {
      breaker?: string; reason?: string; event?: string; why?: string; tools?: string[];
      triage?: { injectionRisk?: string; pii?: { found?: boolean; kinds?: string[] } };
      verifier?: { verified?: boolean; evidence?: Array<{ tool: string; passed?: boolean }>; unsupportedClaims?: unknown[] };
    };
    if (t.kind === 'breaker') {
      out.push({ ...base, source: 'supervisor', control: 'breaker', rule: String(d.breaker), verdict: 'escalated', ...(d.reason ? { detail: String(d.reason) } : {}) });
    } else if (t.kind === 'event' && d.event === 'breaker_reported') {
      out.push({ ...base, source: 'supervisor', control: 'breaker', rule: String(d.breaker), verdict: 'reported', ...(d.reason ? { detail: String(d.reason) } : {}) });
    } else if (t.kind === 'event' && d.event === 'policy_violation') {
      out.push({ ...base, source: 'supervisor', control: 'rollout_mode', rule: 'write_outside_mode', verdict: 'flagged', detail: `${d.why ?? ''} (${(d.tools ?? []).join(', ')})` });
    } else if (t.kind === 'result' && t.agent === 'triage' && d.triage) {
      const triage = d.triage;
      if (triage.injectionRisk && triage.injectionRisk !== 'none') {
        out.push({ ...base, source: 'triage', control: 'injection_screen', rule: `injection_risk_${triage.injectionRisk}`, verdict: 'autonomy_capped' });
      }
      if (triage.pii?.found) out.push({ ...base, source: 'triage', control: 'redaction', rule: 'pii', verdict: 'redacted', detail: (triage.pii.kinds ?? []).join(', ') });
    } else if (t.kind === 'result' && t.agent === 'verifier' && d.verifier) {
      const v = d.verifier;
      const failed = (v.evidence ?? []).filter((e) => e.passed === false).map((e) => e.tool);
      const claims = (v.unsupportedClaims ?? []).length;
      out.push({
        ...base, source: 'verifier', control: 'read_back', rule: 'verification', verdict: v.verified ? 'passed' : 'failed',
        ...(v.verified ? {} : { detail: [failed.length ? `read-back failed: ${failed.join(', ')}` : '', claims ? `${claims} unsupported claim(s)` : ''].filter(Boolean).join('; ') }),
      });
    }
  }
  for (const d of decisions) {
    if (d.command !== 'approve' && d.command !== 'reject') continue;
    out.push({
      at: d.at, source: 'console', control: 'approval', rule: String(d.arguments['tool'] ?? 'held write'), verdict: d.command === 'approve' ? 'approved' : 'rejected',
      agent: null, taskId: null, detail: `by ${d.actorId}${d.arguments['reason'] ? `: ${String(d.arguments['reason'])}` : ''}`, ref: { decision: d.id },
      ...(d.caseId ? { caseId: d.caseId } : {}),
    });
  }
  return out;
}

const GATEWAY_CONTROLS: Array<[RegExp, string]> = [
  [/^TOKEN_/, 'task_token'], [/^(TOOL_NOT_IN_SCOPE|TOOL_NOT_FOUND|WRITE_NOT_ALLOWED_IN_MODE)$/, 'scope'], [/^TENANT_MISMATCH$/, 'tenant'],
  [/^(ARGUMENTS_INVALID|OUTPUT_INVALID)$/, 'schema'], [/^RATE_LIMITED$/, 'rate_limit'], [/^APPROVAL_/, 'approval'], [/^BACKEND_/, 'backend'],
];

/** The gateway's verdicts of a case in the same shape; the control is named from its rule (the gateway error code). */
export function verdictsFromGateway(verdicts: readonly GatewayVerdict[]): ControlVerdict[] {
  return verdicts.map((v) => {
    const byDecision = v.decision === 'held' || v.decision === 'approved' || v.decision === 'rejected' ? 'approval' : v.decision === 'replayed' ? 'write_ledger' : 'gateway';
    const control = (v.rule && GATEWAY_CONTROLS.find(([re]) => re.test(v.rule!))?.[1]) ?? byDecision;
    return {
      at: v.at, source: 'gateway', control, rule: v.rule ?? v.decision, verdict: v.decision, agent: v.agent, taskId: v.taskId,
      detail: v.tool, ref: { auditId: v.auditId }, ...(v.caseId ? { caseId: v.caseId } : {}),
    };
  });
}
