import { PolicySchema } from '../policy/policy.schema';
import { decide, initialCase } from './case.machine';
import { transitionWrite, type LockedCase } from './case.repository';
import type { AgentResult, TicketEvent, TriageOutput } from '@switchboard/contracts';

const T0 = new Date('2026-11-21T10:00:00.000Z');
const ticket: TicketEvent = {
  externalId: 'ZD-9', source: 'zendesk', tenantId: 'acme', region: 'us-east-1', requester: { email: 'ops@acme.example' },
  subject: 'Dashboard blank', body: 'The dashboard is blank.', priority: 'normal', tags: [], receivedAt: T0.toISOString(), metadata: {},
};
const policy = PolicySchema.parse({ version: 1, defaultMode: 'autonomous', retry: { maxAttempts: 3, baseMs: 1000, factor: 2 } });
const caseId = 'case_000000000000000000000009';
const ledger = { consumer: 'supervisor', messageId: 'm-1' };

describe('transitionWrite (the one argument of supervisor.apply_transition)', () => {
  const fresh: LockedCase = { version: 0, state: initialCase(ticket, { caseId, correlationId: caseId }, policy, T0) };
  const created = decide(fresh.state, { kind: 'ticket_received', messageId: 'm-1' }, policy, T0);

  it('writes a new case with its ticket, context, the whole core as delta, transitions and trace', () => {
    const write = transitionWrite({ ledger, previous: fresh, decision: created, event: { kind: 'ticket_received', messageId: 'm-1' }, created: true, policyVersion: 'policy:test' });
    expect(write).toMatchObject({ ledger, caseId, version: 1, event: { kind: 'ticket_received', messageId: 'm-1' } });
    expect(write.change).toMatchObject({ create: true, status: 'RECEIVED', mode: 'autonomous', intent: null, ticket, context: { passages: [] }, at: T0.toISOString() });
    expect(write.change!.state).not.toHaveProperty('ticket');
    expect(write.change!.delta).toMatchObject({ status: 'RECEIVED', caseId });
    expect(write.change!.transitions).toEqual(created.transitions);
    expect(write.change!.trace.map((t) => t.kind)).toEqual(created.trace.map((t) => t.kind));
    expect(write.change!.dueAt).toEqual(expect.any(String)); // triage's step deadline
    expect(write.change).not.toHaveProperty('outcome');
    expect(write.change!.verdicts).toEqual([]); // a new case decided nothing a guardrail stands behind
  });

  it('leaves out the ticket and an unchanged context on later events, and sends only the changed fields', () => {
    const after: LockedCase = { version: 1, state: created.state };
    const closed = decide(after.state, { kind: 'command', messageId: 'm-2', command: { command: 'close', by: { userId: 'ana', role: 'supervisor' } } }, policy, T0);
    const write = transitionWrite({ previous: after, decision: closed, event: { kind: 'command', messageId: 'm-2' }, policyVersion: 'policy:test' });
    expect(write).not.toHaveProperty('ledger');
    expect(write.version).toBe(2);
    expect(write.change).not.toHaveProperty('ticket');
    expect(write.change).not.toHaveProperty('context');
    expect(write.change!.delta).toMatchObject({ status: 'CLOSED' });
    expect(write.change!.delta).not.toHaveProperty('caseId');
    // A closing decision records the run's outcome (at most once per run, enforced by the statement).
    expect(write.change!.outcome).toEqual({ run: closed.state.outcomeRun, status: 'CLOSED' });
  });

  it('sends the context when a decision changed it, and not when it is equal in other objects (read back from Postgres)', () => {
    const after: LockedCase = { version: 1, state: created.state };
    const task = created.state.outstanding!;
    const output: TriageOutput = {
      intent: 'dashboard_cache', priority: 'normal', confidence: 0.99, entities: { amounts: [], ids: [], emails: [], days: [] }, pii: { found: false, kinds: [] },
      injectionRisk: 'none', summary: 'Blank dashboard', redactedBody: 'The dashboard is blank.',
    };
    const result = { agent: 'triage', taskId: task.taskId, status: 'ok', output, usage: { llmCalls: 0, inputTokens: 0, outputTokens: 0, costUsd: 0 }, toolErrors: 0 } as AgentResult;
    const triaged = decide(after.state, { kind: 'agent_result', messageId: 'm-2', result }, policy, T0);
    const write = transitionWrite({ previous: after, decision: triaged, event: { kind: 'agent_result', messageId: 'm-2' }, policyVersion: 'policy:test' });
    expect(write.change!.context).toEqual({ triage: output, passages: [] });
    // Decided on a copy (as read back from Postgres): the context's objects differ from the previous state's, their
    // content does not.
    const closed = decide(structuredClone(triaged.state), { kind: 'command', messageId: 'm-3', command: { command: 'close', by: { userId: 'ana', role: 'supervisor' } } }, policy, T0);
    expect(closed.state.triage).not.toBe(triaged.state.triage);
    const previous: LockedCase = { version: 2, state: triaged.state };
    expect(transitionWrite({ previous, decision: closed, event: { kind: 'command', messageId: 'm-3' }, policyVersion: 'policy:test' }).change).not.toHaveProperty('context');
  });

  it('without a decision writes only the ledger row against the version it was decided on', () => {
    const write = transitionWrite({ ledger, previous: { version: 4, state: created.state }, event: { kind: 'tick', messageId: 'tick-1' }, policyVersion: 'policy:test' });
    expect(write).toEqual({ ledger, caseId, version: 5, event: { kind: 'tick', messageId: 'tick-1' } });
  });
});
