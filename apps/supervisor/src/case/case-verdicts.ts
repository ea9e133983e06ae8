import { createHash } from 'node:crypto';
import { canonicalJson } from '@switchboard/contracts';
import type { Policy } from '../policy/policy.schema';
import type { Decision, TraceEntry } from './case.types';

/** A guardrail verdict a trace entry records: which control and rule decided what, for which agent and task. */
export interface TraceVerdict {
  /**
   * `llm`: the region router in an agent's process, which refused to send the case's data to a provider. `intake`: the
   * admission of the ticket (the ingress, or the supervisor for a ticket published straight to Kafka).
   */
  source: 'supervisor' | 'triage' | 'verifier' | 'llm' | 'intake';
  control: string;
  rule: string;
  verdict: string;
  agent: string | null;
  taskId: string | null;
  detail?: string;
  /** The version the deciding rule reported itself (an agent-side control); else the ledger versions it. */
  reportedVersion?: string;
}

/** Recorded when the refusal came from an agent too old to report its region rules' version. */
export const UNKNOWN_REGIONS_VERSION = 'llm-regions:unknown';

/**
 * The verdicts a trace entry records: breakers (escalated or, report-only, reported), rollout-mode violations,
 * triage's injection screen (autonomy capped) and redaction, the verifier's read-back, and an agent's LLM call the
 * region router refused (a failed result with `LLM.REGION_FORBIDDEN`: the case's data was not sent outside its
 * region), versioned by the region rules that agent enforced; and what admission changed on the ticket (the tenant
 * registry's region instead of the one claimed, credentials redacted), versioned by the registry and the detectors.
 * Pure; the one reading of the trace, used when a transition is written (the ledger, below) and by the console for
 * cases written before it.
 */
export function traceVerdicts(t: { kind: TraceEntry['kind'] | string; data: Record<string, unknown>; agent?: string | null; taskId?: string | null }): TraceVerdict[] {
  const base = { agent: t.agent ?? null, taskId: t.taskId ?? null };
  const d = t.data as {
    breaker?: string; reason?: string; event?: string; why?: string; tools?: string[];
    triage?: { injectionRisk?: string; pii?: { found?: boolean; kinds?: string[] } };
    verifier?: { verified?: boolean; evidence?: Array<{ tool: string; passed?: boolean }>; unsupportedClaims?: unknown[] };
    status?: string; error?: { code?: string; message?: string; details?: { ruleVersion?: unknown } };
  };
  if (t.kind === 'result' && d.status === 'failed' && d.error?.code === 'LLM.REGION_FORBIDDEN') {
    const version = d.error.details?.ruleVersion;
    return [{
      ...base, source: 'llm', control: 'region', rule: 'region_providers', verdict: 'refused', detail: String(d.error.message ?? ''),
      reportedVersion: typeof version === 'string' && /^llm-regions:[0-9a-f]{12}$/.test(version) ? version : UNKNOWN_REGIONS_VERSION,
    }];
  }
  if (t.kind === 'breaker') {
    return [{ ...base, source: 'supervisor', control: 'breaker', rule: String(d.breaker), verdict: 'escalated', ...(d.reason ? { detail: String(d.reason) } : {}) }];
  }
  if (t.kind === 'event' && d.event === 'breaker_reported') {
    return [{ ...base, source: 'supervisor', control: 'breaker', rule: String(d.breaker), verdict: 'reported', ...(d.reason ? { detail: String(d.reason) } : {}) }];
  }
  if (t.kind === 'event' && d.event === 'intake_screen') {
    const intake = t.data as { region?: { claimed?: string; placed?: string; ruleVersion?: string }; redacted?: { count?: number; kinds?: string[]; ruleVersion?: string } };
    const out: TraceVerdict[] = [];
    if (intake.region) {
      out.push({
        ...base, source: 'intake', control: 'tenant_registry', rule: 'registry_region', verdict: 'corrected',
        detail: `claimed ${intake.region.claimed}; the registry places the tenant in ${intake.region.placed}`, reportedVersion: String(intake.region.ruleVersion),
      });
    }
    if (intake.redacted) {
      out.push({
        ...base, source: 'intake', control: 'redaction', rule: 'credentials', verdict: 'redacted',
        detail: `${intake.redacted.count} credential(s): ${(intake.redacted.kinds ?? []).join(', ')}`, reportedVersion: String(intake.redacted.ruleVersion),
      });
    }
    return out;
  }
  if (t.kind === 'event' && d.event === 'policy_violation') {
    return [{ ...base, source: 'supervisor', control: 'rollout_mode', rule: 'write_outside_mode', verdict: 'flagged', detail: `${d.why ?? ''} (${(d.tools ?? []).join(', ')})` }];
  }
  if (t.kind === 'result' && t.agent === 'triage' && d.triage) {
    const out: TraceVerdict[] = [];
    const triage = d.triage;
    if (triage.injectionRisk && triage.injectionRisk !== 'none') {
      out.push({ ...base, source: 'triage', control: 'injection_screen', rule: `injection_risk_${triage.injectionRisk}`, verdict: 'autonomy_capped' });
    }
    if (triage.pii?.found) out.push({ ...base, source: 'triage', control: 'redaction', rule: 'pii', verdict: 'redacted', detail: (triage.pii.kinds ?? []).join(', ') });
    return out;
  }
  if (t.kind === 'result' && t.agent === 'verifier' && d.verifier) {
    const v = d.verifier;
    const failed = (v.evidence ?? []).filter((e) => e.passed === false).map((e) => e.tool);
    const claims = (v.unsupportedClaims ?? []).length;
    return [{
      ...base, source: 'verifier', control: 'read_back', rule: 'verification', verdict: v.verified ? 'passed' : 'failed',
      ...(v.verified ? {} : { detail: [failed.length ? `read-back failed: ${failed.join(', ')}` : '', claims ? `${claims} unsupported claim(s)` : ''].filter(Boolean).join('; ') }),
    }];
  }
  return [];
}

/** A row of the control-verdict ledger (supervisor.control_verdicts, migration 026): a verdict with its rule's version. */
export type LedgerVerdict = TraceVerdict & { ruleVersion: string };

/**
 * The version of the policy a verdict was decided under: `policy:` and the first 12 hex digits of the SHA-256 of the
 * policy's canonical JSON, so two replicas with the same policy file agree and any edit changes it.
 */
export function policyVersion(policy: Policy): string {
  return `policy:${createHash('sha256').update(canonicalJson(policy)).digest('hex').slice(0, 12)}`;
}

/**
 * The verdicts a decision records, each with the version of the rule that decided it: the policy's for the
 * supervisor's breakers and mode checks and for the triage screens it acts on; the procedure's (`procedure:<id>@<v>`)
 * for a verification of a case that followed one, whose success checks are the procedure's.
 */
export function decisionVerdicts(decision: Pick<Decision, 'trace' | 'state'>, policy: string): LedgerVerdict[] {
  const procedure = decision.state.resolution?.procedure;
  return decision.trace.flatMap((t) => traceVerdicts(t).map(({ reportedVersion, ...v }) => ({
    ...v, ruleVersion: reportedVersion ?? (v.source === 'verifier' && procedure ? `procedure:${procedure.id}@${procedure.version}` : policy),
  })));
}
