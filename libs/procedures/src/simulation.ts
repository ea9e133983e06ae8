import { reviewReply } from '@switchboard/claims';
import type { Procedure, ProcedureTest, SuccessCheck, ToolInvocation, ToolResult } from '@switchboard/contracts';
import { runProcedure, type ProcedureRun, type ProcedureToolPort } from './procedure-runner';
import type { ProcedureSet } from './procedure-set';
import { coerceSlot, prefillSlots } from './slots';
import { runSuccessChecks } from './success-checks';

/** What one simulation showed: passed or the differences from what the test expected. */
export interface SimulationResult {
  procedure: string;
  test: string;
  passed: boolean;
  problems: string[];
  outcome: ProcedureRun['outcome'];
  writes: string[];
  verified?: boolean;
}

const SIM_TICKET = {
  tenantId: 'sim-tenant', region: 'us-east-1', source: 'simulation', externalId: 'SIM-1', receivedAt: '2026-01-01T00:00:00.000Z',
  requesterEmail: 'customer@example.com', priority: 'normal',
};
const SIM_ENTITIES = { emails: [], days: [], amounts: [], ids: [] };

/**
 * A simulated world: each tool answers from its list in call order (the last answer repeats), across the run and the
 * success checks that follow it; every call is recorded.
 */
class SimulatedWorld implements ProcedureToolPort {
  readonly calls: Array<{ tool: string; invocation: ToolInvocation }> = [];
  private readonly served = new Map<string, number>();

  constructor(private readonly world: ProcedureTest['world']) {}

  async invoke(tool: string, invocation: ToolInvocation): Promise<ToolResult> {
    this.calls.push({ tool, invocation });
    const answers = this.world[tool];
    if (!answers) return { status: 'error', tool, error: { code: 'TOOL_NOT_FOUND', message: `the simulation has no answer for ${tool}`, retryable: false } };
    const list = Array.isArray(answers) ? answers : [answers];
    const n = this.served.get(tool) ?? 0;
    this.served.set(tool, n + 1);
    const answer = list[Math.min(n, list.length - 1)]!;
    if ('held' in answer) {
      if (invocation.approvalId) return this.invoke(tool, invocation);
      return { status: 'held', tool, approvalId: `sim-approval-${tool}`, reason: 'simulated approval hold', expiresAt: '2099-01-01T00:00:00.000Z' };
    }
    if ('error' in answer) return { status: 'error', tool, error: { code: answer.error as 'BACKEND_ERROR', message: answer.message ?? 'simulated error', retryable: false } };
    return { status: 'ok', tool, result: answer.result, replayed: false };
  }
}

/**
 * Runs one test of a procedure in a simulated world: slots from the test's entities and model answers, the
 * procedure, an approval when the test grants one, then the success checks (intent's and procedure's) against the
 * same world. Deterministic and without I/O: the supervisor runs it at start-up as the autonomy gate.
 *
 * @example
 * const result = await simulate(procedure, procedure.tests[0], set.successChecks(procedure.intent, procedure));
 * result.passed; // true
 */
export async function simulate(p: Procedure, test: ProcedureTest, successChecks: readonly SuccessCheck[] = p.success): Promise<SimulationResult> {
  const world = new SimulatedWorld(test.world);
  const ticket = { ...SIM_TICKET, ...test.ticket };
  const entities = { ...SIM_ENTITIES, ...test.entities };
  const passages = test.passages;
  const problems: string[] = [];
  const prefill = prefillSlots(p, { ticket, entities, passages });
  const slots: Record<string, unknown> = { ...prefill.values };
  let run: ProcedureRun | undefined;
  const unfilled: string[] = [...prefill.problems];
  for (const q of prefill.questions) {
    const answer = test.slots[q.name];
    const coerced = answer === undefined || answer === null ? undefined : coerceSlot(q.spec, answer);
    if (coerced?.ok && (q.candidates.length === 0 || q.candidates.includes(coerced.value))) slots[q.name] = coerced.value;
    else if (q.spec.default !== undefined) slots[q.name] = q.spec.default;
    else unfilled.push(`slot ${q.name} could not be filled${coerced && !coerced.ok ? `: ${coerced.reason}` : ''}`);
  }
  const context = { ticket, entities, slots, passages };
  if (unfilled.length > 0) {
    run = { outcome: 'escalate', reason: unfilled.join('; '), trace: [], actions: [], results: {}, toolErrors: 0 };
  } else {
    run = await runProcedure(p, context, world, { mode: test.mode, sleep: async () => undefined });
    if (run.outcome === 'needs_approval' && test.approve && run.pendingApproval) {
      const first = run;
      run = await runProcedure(p, context, world, { mode: test.mode, approved: run.pendingApproval, sleep: async () => undefined });
      run.actions = [...first.actions.filter((a) => a.executed), ...run.actions];
    }
  }

  const writes = run.actions.filter((a) => a.executed).map((a) => a.tool);
  let verified: boolean | undefined;
  if (run.outcome === 'resolved' || run.outcome === 'no_action') {
    const report = await runSuccessChecks(successChecks, { ticket, entities, slots }, world, 'simulation');
    verified = report.failed.length === 0 && (run.outcome === 'no_action' || report.passed > 0 || writes.length > 0);
    const want = test.expect.verified ?? true;
    if (verified !== want) problems.push(`expected the success checks to ${want ? 'pass' : 'fail'}, but ${verified ? 'they passed' : report.failed.join('; ') || 'there was no evidence'}`);
    if (verified && run.reply !== undefined) {
      // The reply template must claim only what the verifier will have proved: the same check it runs on every reply.
      const topics = new Map(successChecks.map((c) => [c.id, c.topics]));
      const review = reviewReply(run.reply, {
        verifiedActions: run.actions.filter((a) => a.executed).map((a) => ({ tool: a.tool, arguments: a.arguments })),
        passedChecks: report.evidence.filter((e) => e.passed && e.check).map((e) => ({ id: e.check!, tool: e.tool, topics: topics.get(e.check!) ?? [], ...(e.observed && typeof e.observed === 'object' ? { observed: e.observed as Record<string, unknown> } : {}) })),
        knownIdentifiers: [ticket.tenantId, ticket.requesterEmail, ticket.externalId, ...(Object.values({ ...entities, ...slots }) as unknown[]).flat().filter((v): v is string => typeof v === 'string')],
      }, { decision: run.outcome === 'no_action' ? 'no_action' : 'resolved' });
      if (review.unsupported.length > 0) problems.push(`the reply claims what the verifier cannot confirm: ${review.unsupported.join('; ')}`);
    }
  }
  const e = test.expect;
  if (run.outcome !== e.outcome) problems.push(`expected outcome ${e.outcome}, got ${run.outcome}${run.reason ? ` (${run.reason})` : ''}`);
  if (e.writes && JSON.stringify(writes) !== JSON.stringify(e.writes)) problems.push(`expected writes [${e.writes.join(', ')}], got [${writes.join(', ')}]`);
  if (e.reasonContains && !(run.reason ?? '').toLowerCase().includes(e.reasonContains.toLowerCase())) problems.push(`expected the reason to contain "${e.reasonContains}", got "${run.reason ?? ''}"`);
  for (const text of e.replyContains ?? []) {
    if (!(run.reply ?? '').includes(text)) problems.push(`expected the reply to contain "${text}", got "${run.reply ?? ''}"`);
  }
  return { procedure: `${p.id}@${p.version}`, test: test.name, passed: problems.length === 0, problems, outcome: run.outcome, writes, ...(verified !== undefined ? { verified } : {}) };
}

/**
 * Simulates every test of every procedure of a set.
 *
 * @example
 * const results = await simulateSet(set);
 * results.filter((r) => !r.passed); // what blocks autonomy
 */
export async function simulateSet(set: ProcedureSet): Promise<SimulationResult[]> {
  const results: SimulationResult[] = [];
  for (const p of set.all()) {
    for (const t of p.tests) results.push(await simulate(p, t, set.successChecks(p.intent, p)));
  }
  return results;
}
