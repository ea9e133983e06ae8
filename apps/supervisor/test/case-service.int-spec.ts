// Real: Postgres (the shared test database), the supervisor's CaseService and CaseRepository, two of them side by side
// as two replicas would be. No Kafka here: without a direct publisher the messages stay as outbox rows, which the test
// reads and then deletes (so no relay of a later suite publishes them). The gateway admin port is the named fake.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { AgentResult, Envelope, SupervisorCommand, TicketEvent } from '@switchboard/contracts';
import { TaskTokenIssuer } from '@switchboard/task-tokens';
import { CaseRepository } from '../src/case/case.repository';
import { CaseService } from '../src/case/case.service';
import { supervisorAppPath } from '../src/paths';
import { parsePolicy } from '../src/policy/policy.loader';
import { FakeGatewayAdmin } from './support/fake-gateway-admin';
import { caseOf, Db, ticketFor, TOKEN_SECRET } from './support/harness';

const policy = parsePolicy(readFileSync(supervisorAppPath('policy', 'default.policy.yaml'), 'utf8'));
const usage = { llmCalls: 1, inputTokens: 100, outputTokens: 20, costUsd: 0.0001 };

function envelope<T>(caseId: string, payload: T, type: string): Envelope<T> {
  return { id: randomUUID(), type, version: 1, caseId, tenantId: 'globex', region: 'us-east-1', correlationId: caseId, causationId: null, attempt: 1, occurredAt: new Date().toISOString(), payload };
}

describe('CaseService hot path: cached state, one-statement writes, version conflicts between replicas (real Postgres)', () => {
  const db = new Db();
  const cases: string[] = [];
  const replica = (options: ConstructorParameters<typeof CaseService>[5] = {}) =>
    new CaseService(db.pool, new CaseRepository(db.pool), policy, new TaskTokenIssuer(TOKEN_SECRET), new FakeGatewayAdmin(), options);
  const outstanding = async (caseId: string) => (await db.caseRow(caseId))!.state.outstanding as { taskId: string; agent: string };
  const result = async (caseId: string, output: unknown): Promise<Envelope<AgentResult>> => {
    const task = await outstanding(caseId);
    return envelope(caseId, { agent: task.agent, taskId: task.taskId, status: 'ok', output, usage, toolErrors: 0 } as AgentResult, 'agent.result');
  };
  const triageOutput = { intent: 'how_to', priority: 'normal', confidence: 0.97, entities: { tenantId: 'globex', amounts: [], ids: [] }, pii: { found: false, kinds: [] }, injectionRisk: 'none', summary: 'how to invite', redactedBody: 'How do I invite a member?' };
  const retrievalOutput = { passages: [{ chunkId: 'invites.md#1', source: 'runbook', documentId: 'invites.md', section: 'Inviting', title: 'Invites', text: 'Settings → Members → Invite.', score: 0.9 }] };

  afterAll(async () => {
    await db.pool.query('DELETE FROM outbox WHERE key = ANY($1)', [cases]);
    await db.end();
  });

  function newCase(): { ticket: Envelope<TicketEvent>; caseId: string } {
    const t = ticketFor('globex');
    const caseId = caseOf(t);
    cases.push(caseId);
    return { caseId, ticket: { ...envelope(caseId, t, 'ticket.received') } };
  }

  it('a replica with a stale cached state has its write refused, re-reads and applies the event once, in order', async () => {
    const [a, b] = [replica(), replica()];
    const { caseId, ticket } = newCase();
    expect(await a.onTicket(ticket)).toBe('created'); // a caches version 1
    expect(await b.onAgentResult(await result(caseId, triageOutput))).toBe('applied'); // b reads version 1, writes 2
    expect(await b.onAgentResult(await result(caseId, retrievalOutput))).toBe('applied'); // version 3
    // a still holds version 1: its write of the command must be refused by version, then made on version 3.
    const close = envelope<SupervisorCommand>(caseId, { command: 'close', by: { userId: 'ana', role: 'supervisor' }, note: 'done by hand' }, 'supervisor.command');
    expect(await a.onCommand(close)).toBe('applied');
    expect(await a.onCommand(close)).toBe('already_processed');
    const row = (await db.caseRow(caseId))!;
    expect(row.version).toBe(4);
    expect(row.status).toBe('CLOSED');
    const transitions = await db.transitions(caseId);
    expect(transitions.map((t) => t.to_status)).toEqual(['TRIAGED', 'CONTEXT_READY', 'RESOLVING', 'CLOSED'].filter((s) => transitions.some((t) => t.to_status === s)));
    expect(transitions.at(-1)).toMatchObject({ from_status: 'RESOLVING', to_status: 'CLOSED', event: 'command' });
    const { rows } = await db.pool.query<{ version: number }>('SELECT version FROM supervisor.checkpoints WHERE case_id = $1 ORDER BY version', [caseId]);
    expect(rows.map((r) => r.version)).toEqual([1, 2, 3, 4]);
  });

  it('a result that looks late on a stale copy is decided again on the current state, not recorded as late', async () => {
    const [a, b] = [replica(), replica()];
    const { caseId, ticket } = newCase();
    await a.onTicket(ticket); // a caches version 1 (triage outstanding)
    await b.onAgentResult(await result(caseId, triageOutput)); // version 2: retrieval outstanding
    // On a's stale copy the retrieval result is for a task that is not outstanding (it would be recorded as a stale
    // answer); on the current state it moves the case on.
    expect(await a.onAgentResult(await result(caseId, retrievalOutput))).toBe('applied');
    const row = (await db.caseRow(caseId))!;
    expect(row.version).toBe(3);
    expect(row.state.outstanding.agent).toBe('resolver');
    const { rows } = await db.pool.query("SELECT count(*)::int AS n FROM supervisor.trace WHERE case_id = $1 AND data->>'event' = 'stale_result'", [caseId]);
    expect(rows[0].n).toBe(0);
    expect(row.state.counters.stale).toBe(0);
  });

  it('a duplicate ticket (same case, another message) takes the locked path and is recorded on the existing case', async () => {
    const a = replica();
    const { caseId, ticket } = newCase();
    expect(await a.onTicket(ticket)).toBe('created');
    expect(await a.onTicket(ticket)).toBe('already_processed');
    expect(await replica().onTicket({ ...ticket, id: randomUUID() })).toBe('duplicate_ticket');
    const row = (await db.caseRow(caseId))!;
    expect(row.version).toBe(2);
    expect(row.state.counters.duplicates).toBe(1);
    // The messages of the ticket's transition are outbox rows (no direct publisher here): one triage task.
    const { rows } = await db.pool.query<{ topic: string }>('SELECT topic FROM outbox WHERE key = $1 ORDER BY id', [caseId]);
    expect(rows.map((r) => r.topic)).toEqual(['agent.triage.tasks']);
  });

  describe('supervisor.apply_transition on its own (migration 029)', () => {
    const apply = async (write: unknown) => (await db.pool.query<{ r: any }>('SELECT supervisor.apply_transition($1::jsonb, $2::jsonb) AS r', [JSON.stringify(write), JSON.stringify({ rows: [], lease: null })])).rows[0]!.r;
    const facts = async (caseId: string) => (await db.pool.query(
      `SELECT version, status, intent, escalated, human_touched, approvals, approval_seconds, awaiting_approval_since, resolved_at, tokens, cost_usd::float8 AS cost
         FROM supervisor.cases WHERE case_id = $1`, [caseId])).rows[0];
    const at = '2026-12-06T09:00:00.000Z';
    const change = (caseId: string, over: Record<string, unknown>) => ({
      create: false, status: 'RECEIVED', mode: 'autonomous', intent: null, state: { caseId, status: 'RECEIVED' }, dueAt: null, at,
      transitions: [], delta: { status: 'RECEIVED' }, trace: [], verdicts: [], ...over,
    });
    const written: string[] = [];
    const fresh = () => { const { caseId, ticket } = newCase(); written.push(caseId); return { caseId, ticket: ticket.payload }; };

    // These cases carry hand-written states, not the machine's: they must not stay in the shared database, where the
    // inbox and the KPI checks of other suites read every case.
    afterAll(async () => {
      for (const table of ['transitions', 'trace', 'checkpoints', 'outcomes', 'cases']) {
        await db.pool.query(`DELETE FROM supervisor.${table} WHERE case_id = ANY($1)`, [written]);
      }
    });

    it('writes a new case once, at its first version, with the KPI facts of its first event', async () => {
      const { caseId, ticket } = fresh();
      const r = await apply({ caseId, version: 1, event: { kind: 'ticket_received', messageId: `m-${caseId}` }, change: change(caseId, {
        create: true, ticket, status: 'ESCALATED', intent: 'how_to', context: { passages: [] },
        transitions: [{ from: 'NEW', to: 'RECEIVED', reason: 'new' }, { from: 'RECEIVED', to: 'ESCALATED', reason: 'breaker' }],
        trace: [{ kind: 'command', agent: null, taskId: null, data: {}, inputTokens: 100, outputTokens: 20, costUsd: 0.25 }],
      }) });
      expect(r).toMatchObject({ result: 'applied', outcomeAccepted: true, outboxIds: [] });
      expect(await facts(caseId)).toMatchObject({ version: 1, status: 'ESCALATED', intent: 'how_to', escalated: true, human_touched: true,
        approvals: 0, approval_seconds: 0, awaiting_approval_since: null, resolved_at: null, tokens: '120', cost: 0.25 });
      expect(await db.count('transitions', caseId)).toBe(2);
      expect(await db.count('trace', caseId)).toBe(1);
      expect(await db.count('case_search', caseId)).toBe(1); // the insert trigger indexed it for the inbox search
      // The same case again is refused, as is a first write at any version but 1.
      await expect(apply({ caseId, version: 1, event: { kind: 'ticket_received', messageId: 'again' }, change: change(caseId, { create: true, ticket }) }))
        .rejects.toMatchObject({ code: 'SBEXI' });
      const other = fresh();
      await expect(apply({ caseId: other.caseId, version: 3, event: { kind: 'ticket_received', messageId: 'v3' }, change: change(other.caseId, { create: true, ticket: other.ticket }) }))
        .rejects.toMatchObject({ code: 'SBVER' });
      expect(await facts(other.caseId)).toBeUndefined();
    });

    it('a case created waiting for approval counts the hold when the next event closes it', async () => {
      const { caseId, ticket } = fresh();
      await apply({ caseId, version: 1, event: { kind: 'ticket_received', messageId: `m-${caseId}` }, change: change(caseId, {
        create: true, ticket, status: 'AWAITING_APPROVAL', context: { passages: [] }, transitions: [{ from: 'RESOLVING', to: 'AWAITING_APPROVAL', reason: 'held' }] }) });
      expect(await facts(caseId)).toMatchObject({ approvals: 0, awaiting_approval_since: new Date(at) });
      // An event with no transitions, trace rows or verdicts: the hold stays open and only the checkpoint is added.
      await apply({ caseId, version: 2, event: { kind: 'tick', messageId: `t-${caseId}` }, change: change(caseId, { status: 'AWAITING_APPROVAL' }) });
      expect(await facts(caseId)).toMatchObject({ version: 2, approvals: 0, awaiting_approval_since: new Date(at) });
      expect([await db.count('transitions', caseId), await db.count('trace', caseId), await db.count('checkpoints', caseId)]).toEqual([1, 0, 2]);
      await apply({ caseId, version: 3, event: { kind: 'command', messageId: `c-${caseId}` }, change: change(caseId, {
        status: 'RESOLVED', at: '2026-12-06T09:00:30.000Z', transitions: [{ from: 'AWAITING_APPROVAL', to: 'RESOLVED', reason: 'approved' }] }) });
      expect(await facts(caseId)).toMatchObject({ version: 3, approvals: 1, approval_seconds: 30, awaiting_approval_since: null, resolved_at: new Date('2026-12-06T09:00:30.000Z') });
    });
  });

  it('group commit: events handled at once share a statement, and each keeps its own outcome (conflict, duplicate)', async () => {
    const sizes: number[] = [];
    const grouped = replica({ groupCommit: { maxBatch: 16, onFlush: (n) => sizes.push(n) } });
    const fresh = Array.from({ length: 12 }, () => newCase());
    expect(await Promise.all(fresh.map((c) => grouped.onTicket(c.ticket)))).toEqual(fresh.map(() => 'created'));
    // The first went alone; the rest waited for it and went together.
    expect(sizes.length).toBeLessThan(fresh.length);
    expect(Math.max(...sizes)).toBeGreaterThan(1);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(fresh.length);
    for (const { caseId } of fresh) expect(await db.caseRow(caseId)).toMatchObject({ status: 'RECEIVED', version: 1 });
    // Unsent rows only (the partial index on key): the shared outbox holds millions of sent rows from other suites.
    const { rows: unsent } = await db.pool.query<{ key: string; topic: string }>('SELECT key, topic FROM outbox WHERE key = ANY($1) AND sent_at IS NULL ORDER BY id', [fresh.map((c) => c.caseId)]);
    expect(unsent.map((r) => r.topic)).toEqual(fresh.map(() => 'agent.triage.tasks'));
    expect(new Set(unsent.map((r) => r.key))).toEqual(new Set(fresh.map((c) => c.caseId)));

    // One statement with: a stale write (another replica moved the case on), a message already processed, and
    // ordinary events. The stale one is refused alone, re-read and applied; the duplicate is recognised; the rest land.
    const [stale, ...others] = fresh;
    const staleResult = await result(stale!.caseId, triageOutput);
    expect(await replica().onAgentResult(staleResult)).toBe('applied'); // version 2, behind grouped's cached version 1
    const conflicting = await result(stale!.caseId, retrievalOutput);
    const ordinary = await Promise.all(others.map((c) => result(c.caseId, triageOutput)));
    const already = others[0]!;
    sizes.length = 0;
    const outcomes = await Promise.all([
      grouped.onAgentResult(ordinary[0]!), // goes alone; the others wait for it
      grouped.onAgentResult(conflicting),
      grouped.onAgentResult(ordinary[0]!), // the same message again: a duplicate inside the batch
      ...ordinary.slice(1).map((e) => grouped.onAgentResult(e)),
    ]);
    expect(outcomes).toEqual(['applied', 'applied', 'already_processed', ...ordinary.slice(1).map(() => 'applied')]);
    expect(Math.max(...sizes)).toBeGreaterThan(2);
    expect(await db.caseRow(stale!.caseId)).toMatchObject({ version: 3 });
    expect((await db.caseRow(stale!.caseId))!.state.outstanding.agent).toBe('resolver');
    for (const { caseId } of others) expect(await db.caseRow(caseId)).toMatchObject({ status: 'TRIAGED', version: 2 });
    expect(await db.count('checkpoints', already.caseId)).toBe(2);
  }, 30_000);
});
