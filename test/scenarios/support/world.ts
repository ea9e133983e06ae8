// One running pipeline (test/support/stack.ts) plus what grading needs around it: an observer of replies and outcomes on the real
// topics, the reference backend's admin API, case rows, and the approval command path a human uses.
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { Pool } from 'pg';
import { caseIdFor, TOPICS, type TicketEventInput } from '@switchboard/contracts';
import type { LlmPort } from '@switchboard/llm';
import { assertTestDatabase, TEST_DATABASE_URL, TEST_KAFKA_BROKERS } from '../../support/env';
import { STACK_KEYS, startStack, waitFor, type Stack } from '../../support/stack';

export const SETTLED = ['RESOLVED', 'ESCALATED', 'FAILED', 'CLOSED', 'AWAITING_APPROVAL'];
export const TERMINAL = ['RESOLVED', 'ESCALATED', 'FAILED', 'CLOSED'];

export interface CaseRow {
  status: string;
  mode: string;
  intent: string | null;
  state: {
    escalation?: { reason: string; breaker?: string };
    counters: { tokens: number; llmCalls: number; duplicates: number; iterations: number };
    approval?: { approvalId: string };
  };
}

/** An internal note as observed on tickets.internal-notes (the fields grading reads). */
export interface ObservedNote {
  mode: string;
  body: string;
  proposedActions: Array<{ tool: string }>;
}

/**
 * Cases an earlier run left unfinished in the test database (a test suite or CI stopped mid-case) would be resumed by
 * this run's supervisor — its due-case scanner, its admission queue, its outbox relay — and their gateway calls would
 * be graded against this run's scenarios (seen in CI: a case an earlier suite left in flight, resumed by the scenario
 * suite's due-case scanner). They are parked: no due time, no queue entry, nothing left to relay. Test databases only.
 */
export async function parkLeftovers(db: Pool): Promise<void> {
  // A fresh database has no tables yet (the stack migrates it on start): nothing was left.
  const { rows } = await db.query<{ ready: boolean }>(`SELECT to_regclass('supervisor.admission_queue') IS NOT NULL AND to_regclass('public.outbox') IS NOT NULL AS ready`);
  if (!rows[0]?.ready) return;
  const due = await db.query(`UPDATE supervisor.cases SET due_at = NULL WHERE due_at IS NOT NULL AND status NOT IN ('RESOLVED', 'ESCALATED', 'FAILED', 'CLOSED')`);
  const queued = await db.query('DELETE FROM supervisor.admission_queue');
  const unsent = await db.query('UPDATE public.outbox SET sent_at = now() WHERE sent_at IS NULL');
  const parked = (due.rowCount ?? 0) + (queued.rowCount ?? 0) + (unsent.rowCount ?? 0);
  if (parked > 0) process.stderr.write(`parked what earlier runs left in the test database: ${due.rowCount} unfinished cases, ${queued.rowCount} queued, ${unsent.rowCount} unsent outbox rows\n`);
}

export class World {
  readonly replies = new Map<string, Array<{ body: string }>>();
  readonly outcomes = new Map<string, Array<{ status: string; reason: string }>>();
  readonly notes = new Map<string, ObservedNote[]>();
  private externalSeq = 0;

  private constructor(readonly stack: Stack, private readonly observer: Consumer) {}

  static async start(
    name: string, llm: LlmPort, policyYaml: string,
    options: { supervisorProcess?: boolean; supervisorReplicas?: number; agentReplicas?: number; proceduresDir?: string; resolverEnv?: Record<string, string>; providerKinds?: Record<string, string>; supervisorEnv?: Record<string, string> } = {},
  ): Promise<World> {
    const { proceduresDir, supervisorEnv, ...rest } = options;
    assertTestDatabase(TEST_DATABASE_URL);
    const db = new Pool({ connectionString: TEST_DATABASE_URL, max: 1 });
    try {
      await parkLeftovers(db);
    } finally {
      await db.end();
    }
    const stack = await startStack({ name, llm, policyYaml, groupPrefix: 'eval', ...rest, supervisorEnv: { ...supervisorEnv, ...(proceduresDir ? { PROCEDURES_DIR: proceduresDir } : {}) } });
    const observer = new Kafka({ clientId: `eval-observer-${name}`, brokers: TEST_KAFKA_BROKERS, logLevel: logLevel.NOTHING })
      .consumer({ groupId: `eval-observer-${name}-${Date.now().toString(36)}` });
    const world = new World(stack, observer);
    await observer.connect();
    await observer.subscribe({ topics: [TOPICS.ticketsReplies, TOPICS.ticketsOutcomes, TOPICS.ticketsInternalNotes], fromBeginning: false });
    await observer.run({
      eachMessage: async ({ topic, message }) => {
        const envelope = JSON.parse(message.value!.toString()) as { caseId: string; payload: never };
        const into: Map<string, unknown[]> = topic === TOPICS.ticketsReplies ? world.replies : topic === TOPICS.ticketsOutcomes ? world.outcomes : world.notes;
        into.set(envelope.caseId, [...(into.get(envelope.caseId) ?? []), envelope.payload]);
      },
    });
    await waitFor('observer assignment', async () => (observer.describeGroup().then((g) => (g.state === 'Stable' ? true : undefined))));
    return world;
  }

  async close(): Promise<void> {
    await this.observer.disconnect().catch(() => undefined);
    await this.stack.close();
  }

  ticket(t: { tenantId: string; region: string; subject: string; body: string; requester?: string; priority?: string }, tag: string): TicketEventInput {
    return {
      externalId: `EVAL-${tag}-${Date.now().toString(36)}-${++this.externalSeq}`, source: 'api', tenantId: t.tenantId, region: t.region,
      requester: { email: t.requester ?? `ops@${t.tenantId}.example` }, subject: t.subject, body: t.body, receivedAt: new Date().toISOString(),
      ...(t.priority ? { priority: t.priority } : {}),
    } as TicketEventInput;
  }

  caseIdOf(ticket: TicketEventInput): string {
    return caseIdFor(ticket);
  }

  async acme(path: string, init: RequestInit = {}): Promise<unknown> {
    const res = await fetch(`${this.stack.acmeUrl}${path}`, { ...init, headers: { 'content-type': 'application/json', 'x-api-key': STACK_KEYS.acme, ...init.headers } });
    if (!res.ok) throw new Error(`acme ${init.method ?? 'GET'} ${path} → ${res.status}: ${await res.text()}`);
    return res.json();
  }

  /**
   * A fresh world: reseeded backend without faults, full gateway rate-limit buckets, and no gateway write history (the
   * cumulative approval limits per invoice and per tenant-day would otherwise count refunds of a world that is gone).
   */
  async reset(): Promise<void> {
    await this.acme('/admin/reseed', { method: 'POST' });
    await this.stack.db.query('DELETE FROM gateway.write_ledger');
    this.stack.resetRateLimits();
  }

  async caseRow(caseId: string): Promise<CaseRow | undefined> {
    const { rows } = await this.stack.db.query('SELECT status, mode, intent, state FROM supervisor.cases WHERE case_id = $1', [caseId]);
    return rows[0] as CaseRow | undefined;
  }

  settled(caseId: string, statuses = SETTLED, timeoutMs = 45_000): Promise<CaseRow> {
    return waitFor(`case ${caseId} in ${statuses.join('|')}`, async () => {
      const row = await this.caseRow(caseId);
      return row && statuses.includes(row.status) ? row : undefined;
    }, timeoutMs);
  }

  /** Tool calls the gateway audited since `since` for cases other than `caseId`, as `case tool(tenant): outcome`. */
  async gatewayCallsSince(since: Date, caseId: string): Promise<string[]> {
    const { rows } = await this.stack.db.query<{ line: string }>(
      `SELECT concat(case_id, ' ', tool, '(', tenant_id, '): ', outcome) AS line FROM gateway.audit_log
        WHERE at >= $1 AND case_id IS DISTINCT FROM $2 ORDER BY id LIMIT 20`, [since, caseId]);
    return rows.map((r) => r.line);
  }

  /** Approves or rejects the case's pending approval through supervisor.commands, as the console does. */
  async decide(caseId: string, tenantId: string, region: string, decision: 'approve' | 'reject'): Promise<void> {
    const { rows } = await this.stack.db.query(`SELECT id FROM gateway.approvals WHERE case_id = $1 AND status = 'pending' ORDER BY created_at DESC LIMIT 1`, [caseId]);
    if (!rows[0]) throw new Error(`case ${caseId} has no pending approval in the gateway`);
    const by = { userId: 'eval-supervisor', role: 'supervisor' };
    const payload = decision === 'approve'
      ? { command: 'approve', approvalId: rows[0].id, by }
      : { command: 'reject', approvalId: rows[0].id, by, reason: 'not justified by the invoice history' };
    const envelope = this.stack.bus.envelope(TOPICS.supervisorCommands, payload as never, { caseId, tenantId, region, correlationId: caseId, causationId: null });
    // Signed like the console's commands: the supervisor acts on no other.
    await this.stack.publishCommand(envelope);
  }
}
