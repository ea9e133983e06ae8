import { IntakeFindingsSchema, type TicketEvent } from '@switchboard/contracts';
import { CREDENTIAL_DETECTORS_VERSION } from '@switchboard/observability';
import { admitTicket, parseTenantRegistry, TenantRefusedError } from './index';

const registry = parseTenantRegistry('version: 1\ntenants:\n  acme-eu: { region: eu-sovereign }\n  globex: { region: us-east-1 }\n');
const ticket = (over: Partial<TicketEvent> = {}): TicketEvent => ({
  externalId: 'T-1', source: 'api', tenantId: 'acme-eu', region: 'eu-sovereign', requester: { email: 'anna@acme-eu.example', name: 'Anna' },
  subject: 'Login broken', body: 'Please help.', priority: 'normal', tags: [], receivedAt: '2026-01-01T00:00:00Z', metadata: {}, ...over,
});

describe('admitTicket', () => {
  it('takes the region from the registry, not from the ticket', () => {
    const sut = admitTicket(registry, ticket({ region: 'us-east-1' }));
    expect(sut.ticket.region).toBe('eu-sovereign');
    expect(sut.correctedFrom).toBe('us-east-1');
    expect(admitTicket(registry, ticket()).correctedFrom).toBeUndefined();
  });

  it('reports what it changed as intake findings with each rule\'s version, and nothing for a ticket it left as it was', () => {
    const sut = admitTicket(registry, ticket({ region: 'us-east-1', body: 'my password is hunter2' }));
    expect(sut.findings).toEqual({
      region: { claimed: 'us-east-1', placed: 'eu-sovereign', ruleVersion: registry.version },
      redacted: { count: 1, kinds: ['password'], ruleVersion: CREDENTIAL_DETECTORS_VERSION },
    });
    expect(registry.version).toMatch(/^tenant-registry:[0-9a-f]{12}$/);
    expect(CREDENTIAL_DETECTORS_VERSION).toMatch(/^credential-detectors:[0-9a-f]{12}$/);
    expect(IntakeFindingsSchema.parse(sut.findings)).toEqual(sut.findings);
    // Admitting the admitted ticket again changes nothing, so it finds nothing.
    expect(admitTicket(registry, sut.ticket).findings).toBeNull();
    expect(admitTicket(registry, ticket()).findings).toBeNull();
    // Another registry is another version of the placement rules.
    expect(parseTenantRegistry('version: 1\ntenants:\n  acme-eu: { region: us-east-1 }\n').version).not.toBe(registry.version);
  });

  it('refuses a tenant the registry does not know', () => {
    expect(() => admitTicket(registry, ticket({ tenantId: 'umbrella' }))).toThrow(TenantRefusedError);
  });

  it('redacts credentials everywhere in the ticket text and leaves the rest', () => {
    const sut = admitTicket(registry, ticket({
      subject: 'my password is hunter2 - locked out',
      body: 'Login fails. Passwort: Sommer2024! and key AKIAIOSFODNN7EXAMPLE. Requester ops@acme-eu.example.',
      requester: { email: 'anna@acme-eu.example', name: 'Anna (pw: x9y8z7)' },
      tags: ['password=abc123'],
      metadata: { notes: ['token: ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789'], count: 3 },
    }));
    const text = JSON.stringify(sut.ticket);
    for (const secret of ['hunter2', 'Sommer2024', 'AKIAIOSFODNN7EXAMPLE', 'x9y8z7', 'abc123', 'ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789']) expect(text).not.toContain(secret);
    expect(sut.ticket.subject).toBe('my password is [REDACTED:password] - locked out');
    expect(sut.ticket.body).toContain('ops@acme-eu.example');
    expect(sut.ticket.metadata).toEqual({ notes: [expect.stringContaining('[REDACTED:')], count: 3 });
    expect(sut.redacted.count).toBe(6);
    expect(sut.redacted.kinds.sort()).toEqual(['api_key', 'aws_key', 'password']);
  });

  it('keeps the redacted subject within the ticket schema limit, and is idempotent', () => {
    const long = `${'x'.repeat(490)} pw: abcdefgh`;
    const once = admitTicket(registry, ticket({ subject: long }));
    expect(once.ticket.subject.length).toBeLessThanOrEqual(500);
    expect(admitTicket(registry, once.ticket)).toEqual({ ticket: once.ticket, redacted: { count: 0, kinds: [] }, findings: null });
  });
});
