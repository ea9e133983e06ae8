import { caseIdFor, type TicketEventInput } from '@switchboard/contracts';
import { decodeMessage, MESSAGE_MAX_DEPTH, stableMessageId, topicBinding } from './message-decoder';

const ticket: TicketEventInput = {
  externalId: 'ZD-1001', source: 'zendesk', tenantId: 'acme-eu', region: 'eu-sovereign',
  requester: { email: 'ops@example.com' }, subject: 'Dashboard blank', body: 'Since the toggle the dashboard is blank.',
  receivedAt: '2026-11-21T10:00:00Z',
};
const source = { topic: 'tickets.ingress', partition: 2, offset: '41' };
const bytes = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v));

describe('decodeMessage', () => {
  const ingress = topicBinding('tickets.ingress');
  const results = topicBinding('agent.results');

  it('wraps a bare ticket into an envelope keyed by its case id', () => {
    const result = decodeMessage(ingress, bytes(ticket), source, 1_000_000);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const caseId = caseIdFor(ticket);
    expect(result.envelope).toMatchObject({
      caseId, correlationId: caseId, causationId: null, tenantId: 'acme-eu', region: 'eu-sovereign',
      type: 'ticket.received', version: 1, attempt: 0, occurredAt: ticket.receivedAt,
      payload: { ...ticket, priority: 'normal', tags: [], metadata: {} },
    });
  });

  it('gives a redelivered record the same message id, and another record a different one', () => {
    const first = decodeMessage(ingress, bytes(ticket), source, 1_000_000);
    const again = decodeMessage(ingress, bytes(ticket), { ...source }, 1_000_000);
    const other = decodeMessage(ingress, bytes(ticket), { ...source, offset: '42' }, 1_000_000);
    if (!first.ok || !again.ok || !other.ok) throw new Error('expected valid');
    expect(again.envelope.id).toBe(first.envelope.id);
    expect(other.envelope.id).not.toBe(first.envelope.id);
    expect(first.envelope.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(stableMessageId(source, bytes(ticket))).toBe(first.envelope.id);
  });

  it('gives another ticket at the same coordinates another id: a topic created again (or a rebuilt cluster) restarts its offsets', () => {
    const before = decodeMessage(ingress, bytes(ticket), source, 1_000_000);
    const after = decodeMessage(ingress, bytes({ ...ticket, externalId: `${ticket.externalId}-new` }), { ...source }, 1_000_000);
    if (!before.ok || !after.ok) throw new Error('expected valid');
    expect(after.envelope.id).not.toBe(before.envelope.id);
  });

  it('reports invalid JSON', () => {
    const result = decodeMessage(ingress, bytes('{"externalId": '), source, 1_000_000);
    expect(result).toMatchObject({ ok: false, failure: { code: 'BUS.INVALID_JSON' } });
  });

  it('reports schema violations with dotted paths', () => {
    const result = decodeMessage(ingress, bytes({ ...ticket, requester: { email: 'not-an-email' }, subject: '' }), source, 1_000_000);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.failure.code).toBe('BUS.SCHEMA_INVALID');
    expect(result.failure.issues?.map((i) => i.path).sort()).toEqual(['requester.email', 'subject']);
    expect(result.failure.message).toContain('is not a ticket.received event');
    expect(result.failure.message).toContain('requester.email');
  });

  it('validates the payload inside an envelope', () => {
    const envelope = {
      id: '0b6f7c1e-8a3f-4d2b-9e9c-0a146f1c2a4e', type: 'agent.result', version: 1, caseId: 'case_0123456789abcdef01234567',
      tenantId: 'acme', region: 'us-east-1', correlationId: 'c1', causationId: null, attempt: 0, occurredAt: '2026-11-21T10:00:00Z',
      payload: { agent: 'nobody' },
    };
    const result = decodeMessage(results, bytes(envelope), { ...source, topic: 'agent.results' }, 1_000_000);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.failure.issues?.every((i) => i.path.startsWith('payload'))).toBe(true);
  });

  it('rejects oversized and empty messages before parsing them', () => {
    expect(decodeMessage(ingress, Buffer.alloc(2_000, 'x'), source, 1_000)).toMatchObject({ ok: false, failure: { code: 'BUS.MESSAGE_TOO_LARGE' } });
    expect(decodeMessage(ingress, null, source, 1_000)).toMatchObject({ ok: false, failure: { code: 'BUS.MESSAGE_EMPTY' } });
  });

  it('dead-letters a ticket the store cannot hold, with the field and the reason', () => {
    const nul = decodeMessage(ingress, bytes({ ...ticket, body: 'before\u0000after' }), source, 1_000_000);
    expect(nul).toMatchObject({ ok: false, failure: { code: 'BUS.SCHEMA_INVALID', issues: [{ path: 'body', message: expect.stringContaining('U+0000') }] } });
    const lone = decodeMessage(ingress, Buffer.from(JSON.stringify({ ...ticket, subject: 'half \uD83D' })), source, 1_000_000);
    expect(lone).toMatchObject({ ok: false, failure: { issues: [{ path: 'subject', message: expect.stringContaining('unpaired') }] } });
    let deep = '1';
    for (let i = 0; i < 200_000; i++) deep = `{"a":${deep}}`;
    const nested = decodeMessage(ingress, Buffer.from(`${JSON.stringify({ ...ticket, metadata: {} }).slice(0, -3)}{"x":${deep}}}`), source, 10_000_000);
    expect(nested).toMatchObject({ ok: false, failure: { code: 'BUS.SCHEMA_INVALID', message: expect.stringContaining('nested deeper than 8') } });
  });

  it('dead-letters any contract message with unstorable text or hostile nesting, and passes a clean one', () => {
    const envelope = (output: unknown) => ({
      id: '0b6f7c1e-8a3f-4d2b-9e9c-0a146f1c2a4e', type: 'agent.result', version: 1, caseId: 'case_0123456789abcdef01234567',
      tenantId: 'acme', region: 'us-east-1', correlationId: 'c1', causationId: null, attempt: 0, occurredAt: '2026-11-21T10:00:00Z',
      payload: { agent: 'verifier', taskId: 't1', status: 'ok', output, usage: { llmCalls: 0, inputTokens: 0, outputTokens: 0, costUsd: 0 }, toolErrors: 0 },
    });
    const at = { ...source, topic: 'agent.results' };
    const verdict = (evidence: unknown[]) => ({ verified: true, evidence, checks: [] });
    const clean = decodeMessage(results, bytes(envelope(verdict([{ tool: 'get_tenant', arguments: {}, expected: 1, passed: true, observed: { note: 'tab\tand 😀' } }]))), at, 1_000_000);
    expect(clean.ok).toBe(true);
    const nul = decodeMessage(results, bytes(envelope(verdict([{ tool: 'get_tenant', arguments: {}, expected: 1, passed: true, observed: { note: 'a\u0000b' } }]))), at, 1_000_000);
    expect(nul).toMatchObject({ ok: false, failure: { code: 'BUS.UNSTORABLE_VALUE', message: expect.stringContaining('payload.output.evidence.0.observed.note contains U+0000') } });
    const key = decodeMessage(results, bytes(envelope(verdict([{ tool: 'get_tenant', arguments: {}, expected: 1, passed: true, observed: { ['\uDC00']: 1 } }]))), at, 1_000_000);
    expect(key).toMatchObject({ ok: false, failure: { code: 'BUS.UNSTORABLE_VALUE', message: expect.stringContaining('payload.output.evidence.0.observed has a key with U+0000') } });
    let deep: unknown = 1;
    for (let i = 0; i < MESSAGE_MAX_DEPTH; i++) deep = [deep];
    const nested = decodeMessage(results, bytes(envelope(verdict([{ tool: 'get_tenant', arguments: {}, expected: 1, passed: true, observed: deep }]))), at, 1_000_000);
    expect(nested).toMatchObject({ ok: false, failure: { code: 'BUS.UNSTORABLE_VALUE', message: expect.stringContaining(`payload.output.evidence.0.observed.0.0.0 is nested deeper than ${MESSAGE_MAX_DEPTH}`) } });
  });
});
