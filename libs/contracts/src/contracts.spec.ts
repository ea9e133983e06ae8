import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AgentResultSchema, caseIdFor, contractJsonSchemas, EnvelopeBaseSchema, envelopeFor, EnvelopeSchema, TicketEventSchema, TOPIC_SPECS, TOPICS, TriageTaskSchema,
} from '@switchboard/contracts';

const ticket = {
  externalId: 'ZD-1001',
  source: 'zendesk',
  tenantId: 'acme-eu',
  region: 'eu-sovereign',
  requester: { email: 'ops@acme.example' },
  subject: 'Dashboard is blank',
  body: 'Since you toggled the new dashboard our admins see a blank page.',
  receivedAt: '2026-11-21T10:00:00Z',
};

describe('contracts', () => {
  it('accepts the documented ticket event and fills defaults', () => {
    const sut = TicketEventSchema.parse(ticket);
    expect(sut.priority).toBe('normal');
    expect(sut.tags).toEqual([]);
    expect(sut.metadata).toEqual({});
  });

  it('rejects a ticket with the paths of every bad field', () => {
    const result = TicketEventSchema.safeParse({ ...ticket, requester: { email: 'nope' }, region: 'EU West', extra: 1 });
    expect(result.success).toBe(false);
    const paths = result.error!.issues.map((i) => i.path.join('.'));
    expect(paths).toEqual(expect.arrayContaining(['requester.email', 'region', '']));
  });

  it('derives one case id per source + tenant + external id', () => {
    expect(caseIdFor(ticket)).toBe(caseIdFor({ ...ticket }));
    expect(caseIdFor(ticket)).not.toBe(caseIdFor({ ...ticket, externalId: 'ZD-1002' }));
    expect(caseIdFor(ticket)).not.toBe(caseIdFor({ ...ticket, tenantId: 'globex' }));
    expect(caseIdFor(ticket)).toMatch(/^case_[0-9a-f]{24}$/);
  });

  it('validates envelopes and their payloads together', () => {
    const schema = EnvelopeSchema(TriageTaskSchema);
    const envelope = {
      id: '7d0c3a52-7d43-4d1e-9a6e-1df6f7a3f0a1', type: 'agent.triage.task', version: 1, caseId: caseIdFor(ticket),
      tenantId: 'acme-eu', region: 'eu-sovereign', correlationId: caseIdFor(ticket), causationId: null, attempt: 0,
      occurredAt: '2026-11-21T10:00:01Z', payload: { taskId: 't1', ticket: TicketEventSchema.parse(ticket), intents: ['refund'] },
    };
    expect(schema.parse(envelope).payload.taskId).toBe('t1');
    expect(schema.safeParse({ ...envelope, payload: { taskId: 't1' } }).success).toBe(false);
    expect(schema.safeParse({ ...envelope, caseId: 'case-1' }).success).toBe(false);
  });

  it('requires an output on ok results and an error on failed ones', () => {
    expect(AgentResultSchema.safeParse({ agent: 'retrieval', taskId: 't', status: 'ok' }).success).toBe(false);
    expect(AgentResultSchema.safeParse({ agent: 'retrieval', taskId: 't', status: 'failed' }).success).toBe(false);
    expect(AgentResultSchema.safeParse({ agent: 'retrieval', taskId: 't', status: 'ok', output: { passages: [] } }).success).toBe(true);
  });

  it('has a spec for every topic name', () => {
    for (const topic of Object.values(TOPICS)) expect(TOPIC_SPECS[topic].partitions).toBeGreaterThan(0);
  });

  it('keeps docs/contracts in step with the schemas (regenerate: npm run docs:contracts)', () => {
    for (const [file, schema] of Object.entries(contractJsonSchemas())) {
      const committed = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'docs', 'contracts', file), 'utf8'));
      expect(committed).toEqual(JSON.parse(JSON.stringify(schema)));
    }
  });
});

describe('envelopeFor', () => {
  const fields = { id: '6f1f7d4e-3b55-4a43-9a51-0e3c1b2d4f60', caseId: 'case_0123456789abcdef01234567', tenantId: 'globex', region: 'us-east-1', correlationId: 'case_0123456789abcdef01234567' };
  const signal = { signal: 'satisfaction_rated', eventId: 'ev-1', ticket: { source: 'zendesk', externalId: '42' }, at: '2026-12-04T10:00:00.000Z', score: 'bad' } as const;

  it('builds an envelope the topic\'s own schema accepts, with the topic\'s type and the defaults', () => {
    const envelope = envelopeFor('tickets.signals', signal, { ...fields, causationId: null });
    expect(EnvelopeSchema(TOPIC_SPECS['tickets.signals'].schema).safeParse(envelope).success).toBe(true);
    expect(envelope).toMatchObject({ type: TOPIC_SPECS['tickets.signals'].type, version: 1, attempt: 0, causationId: null, payload: signal });
    expect(Date.parse(envelope.occurredAt)).toBeGreaterThan(Date.parse('2026-01-01'));
  });

  it('cuts a long causation id to what the schema takes, and keeps a given time and attempt', () => {
    const envelope = envelopeFor('tickets.signals', signal, { ...fields, causationId: 'x'.repeat(500), attempt: 2, occurredAt: '2026-12-04T10:00:00.000Z' });
    expect(envelope.causationId).toHaveLength(200);
    expect(envelope).toMatchObject({ attempt: 2, occurredAt: '2026-12-04T10:00:00.000Z' });
    expect(EnvelopeBaseSchema.safeParse(envelope).success).toBe(true);
  });
});
