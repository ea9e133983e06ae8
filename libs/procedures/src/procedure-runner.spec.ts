import { ProcedureSchema, type ToolInvocation, type ToolResult } from '@switchboard/contracts';
import { runProcedure, type ProcedureToolPort } from './procedure-runner';
import { coerceSlot, prefillSlots, slotAnswerSchema } from './slots';

const procedure = ProcedureSchema.parse({
  id: 'refund', version: 2, intent: 'refund', title: 'Refund', description: 'Refund part of a paid invoice.',
  slots: { amount: { description: 'amount', type: 'number', from: 'entities.amounts', ask: false } },
  steps: [
    { id: 'invoice', read: 'get_invoice', with: { tenantId: 'ticket.tenantId', invoiceId: '"inv_1"' } },
    { id: 'refund', write: 'issue_refund', with: { tenantId: 'ticket.tenantId', invoiceId: '"inv_1"', amount: 'slots.amount', reason: '"dup"' } },
  ],
  success: [{ id: 'ok', read: 'get_invoice', with: { tenantId: 'ticket.tenantId', invoiceId: '"inv_1"' }, expect: 'true', says: 'ok' }],
  reply: 'Refunded ${slots.amount} on ${steps.invoice.number}, refund ${steps.refund.id}.',
});
const context = { ticket: { tenantId: 'globex', externalId: 'T-1' }, entities: { amounts: [150] }, slots: { amount: 150 }, passages: [] };

/** A scripted tool port (test double): answers per tool in order, records invocations. */
class ScriptedTools implements ProcedureToolPort {
  readonly calls: Array<{ tool: string; invocation: ToolInvocation }> = [];
  constructor(private readonly answers: Record<string, ToolResult[]>) {}
  async invoke(tool: string, invocation: ToolInvocation): Promise<ToolResult> {
    this.calls.push({ tool, invocation });
    const list = this.answers[tool];
    if (!list?.length) throw new Error(`unexpected call to ${tool}`);
    return list.length > 1 ? list.shift()! : list[0]!;
  }
}
const ok = (tool: string, result: unknown): ToolResult => ({ status: 'ok', tool, result, replayed: false });

describe('runProcedure', () => {
  it('runs reads and writes in order with stable call references and renders the reply', async () => {
    const tools = new ScriptedTools({ get_invoice: [ok('get_invoice', { number: 'GX-1' })], issue_refund: [ok('issue_refund', { id: 'ref_9' })] });
    const run = await runProcedure(procedure, context, tools, { mode: 'autonomous' });
    expect(run.outcome).toBe('resolved');
    expect(run.reply).toBe('Refunded 150 on GX-1, refund ref_9.');
    expect(tools.calls.map((c) => [c.tool, c.invocation.toolCallId, c.invocation.step])).toEqual([['get_invoice', 'refund@2:invoice', 1], ['issue_refund', 'refund@2:refund', 2]]);
    expect(run.actions).toEqual([expect.objectContaining({ tool: 'issue_refund', executed: true, arguments: { tenantId: 'globex', invoiceId: 'inv_1', amount: 150, reason: 'dup' } })]);
    expect(run.trace.some((t) => t.text?.includes('[refund@2]'))).toBe(true);
  });

  it('stops at a hold, and on the approved re-run passes the approval only for the same tool and arguments', async () => {
    const held: ToolResult = { status: 'held', tool: 'issue_refund', approvalId: 'apr_1', reason: 'amount 150 above 100', expiresAt: '2099-01-01T00:00:00Z' };
    const first = await runProcedure(procedure, context, new ScriptedTools({ get_invoice: [ok('get_invoice', { number: 'GX-1' })], issue_refund: [held] }), { mode: 'autonomous' });
    expect(first.outcome).toBe('needs_approval');
    expect(first.pendingApproval).toEqual(expect.objectContaining({ approvalId: 'apr_1', tool: 'issue_refund', arguments: expect.objectContaining({ amount: 150 }) }));

    const tools = new ScriptedTools({ get_invoice: [ok('get_invoice', { number: 'GX-1' })], issue_refund: [ok('issue_refund', { id: 'ref_1' })] });
    await runProcedure(procedure, context, tools, { mode: 'autonomous', approved: first.pendingApproval! });
    expect(tools.calls[1]!.invocation.approvalId).toBe('apr_1');

    const changed = new ScriptedTools({ get_invoice: [ok('get_invoice', { number: 'GX-1' })], issue_refund: [held] });
    await runProcedure(procedure, { ...context, slots: { amount: 151 } }, changed, { mode: 'autonomous', approved: first.pendingApproval! });
    expect(changed.calls[1]!.invocation.approvalId).toBeUndefined();
  });

  it('retries a rate-limited call once after the advised wait, and escalates on a tool error with its code', async () => {
    const waits: number[] = [];
    const limited: ToolResult = { status: 'error', tool: 'get_invoice', error: { code: 'RATE_LIMITED', message: 'slow down', retryable: true, retryAfterMs: 300 } };
    const tools = new ScriptedTools({ get_invoice: [limited, { status: 'error', tool: 'get_invoice', error: { code: 'BACKEND_REJECTED', message: 'NOT_FOUND: no invoice', retryable: false } }] });
    const run = await runProcedure(procedure, context, tools, { mode: 'autonomous', sleep: async (ms) => void waits.push(ms) });
    expect(waits).toEqual([300]);
    expect(run.outcome).toBe('escalate');
    expect(run.reason).toContain('BACKEND_REJECTED: NOT_FOUND');
    expect(run.toolErrors).toBe(1);
  });

  it('proposes the write in shadow mode without calling it, with a draft reply', async () => {
    const tools = new ScriptedTools({ get_invoice: [ok('get_invoice', { number: 'GX-1' })] });
    const run = await runProcedure(procedure, context, tools, { mode: 'shadow' });
    expect(run.outcome).toBe('proposed');
    expect(tools.calls.map((c) => c.tool)).toEqual(['get_invoice']);
    expect(run.actions).toEqual([expect.objectContaining({ tool: 'issue_refund', executed: false })]);
    expect(run.reply).toBe('Refunded 150 on GX-1, refund [steps.refund.id].');
  });

  it('escalates when an expression meets a result it cannot read', async () => {
    const tools = new ScriptedTools({ get_invoice: [ok('get_invoice', {})], issue_refund: [ok('issue_refund', { id: 'r' })] });
    const run = await runProcedure(procedure, context, tools, { mode: 'autonomous' });
    expect(run.outcome).toBe('escalate');
    expect(run.reason).toContain('reply could not be rendered');
  });
});

describe('slots', () => {
  const lockout = ProcedureSchema.parse({
    id: 'unlock', version: 1, intent: 'account_lockout', title: 'Unlock', description: 'Unlock a locked user.',
    slots: { email: { description: 'the locked user', type: 'string', format: 'email', from: 'size(entities.emails) > 0 ? entities.emails : [ticket.requesterEmail]' } },
    steps: [], success: [{ id: 'x', read: 'get_user', with: { tenantId: 'ticket.tenantId' }, expect: 'true', says: 'x' }], reply: 'ok',
  });

  it('fills a slot from one entity, asks among several, falls back as the expression says', () => {
    expect(prefillSlots(lockout, { ticket: { requesterEmail: 'me@x.example' }, entities: { emails: ['Hank@Globex.example'] } }).values).toEqual({ email: 'hank@globex.example' });
    expect(prefillSlots(lockout, { ticket: { requesterEmail: 'me@x.example' }, entities: { emails: [] } }).values).toEqual({ email: 'me@x.example' });
    const ambiguous = prefillSlots(lockout, { ticket: {}, entities: { emails: ['a@x.example', 'b@x.example'] } });
    expect(ambiguous.questions).toEqual([expect.objectContaining({ name: 'email', candidates: ['a@x.example', 'b@x.example'] })]);
    expect(slotAnswerSchema(ambiguous.questions)).toEqual(expect.objectContaining({ required: ['email'] }));
  });

  it('refuses a model answer that is not in the ticket, of the wrong type or out of range', () => {
    const spec = lockout.slots['email']!;
    expect(coerceSlot(spec, 'ghost@x.example', 'Please unlock hank@globex.example')).toEqual({ ok: false, reason: expect.stringContaining('does not appear in the ticket') });
    expect(coerceSlot(spec, 'HANK@globex.example', 'please unlock hank@globex.example')).toEqual({ ok: true, value: 'hank@globex.example' });
    expect(coerceSlot({ description: 'days', type: 'integer', minimum: 1, maximum: 30, ask: true }, '45')).toEqual({ ok: false, reason: '45 is above 30' });
    expect(coerceSlot({ description: 'days', type: 'integer', ask: true }, 'two')).toEqual({ ok: false, reason: '"two" is not a whole number' });
  });
});
