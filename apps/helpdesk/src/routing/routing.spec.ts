import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { helpdeskAppPath } from '../paths';
import { loadRoutingFile, parseRouting, RoutingInvalidError } from './routing.loader';
import { replyStatusFor, routeFor } from './routing.schema';

const TABLE = `
version: 1
reply: { status: solved, tenants: { acme-eu: { status: pending } } }
escalation:
  default: { group: 100, tags: [switchboard_escalated], priority: normal }
  routes:
    - when: { intent: refund, tenant: globex }
      group: 200
      tags: [billing]
    - when: { intent: refund }
      group: 300
    - when: { reason: injection_risk }
      tags: [security]
      priority: urgent
`;

describe('routing table', () => {
  const sut = parseRouting(TABLE);

  it('routes by the first route whose conditions all match, adding its tags to the default ones', () => {
    expect(routeFor(sut, { intent: 'refund', tenant: 'globex', reason: 'unverified', mode: 'autonomous' })).toEqual({ group: '200', tags: ['switchboard_escalated', 'billing'], priority: 'normal', matched: 0 });
    expect(routeFor(sut, { intent: 'refund', tenant: 'initech', reason: 'unverified', mode: 'autonomous' })).toMatchObject({ group: '300', matched: 1 });
    expect(routeFor(sut, { intent: 'how_to', tenant: 'initech', reason: 'injection_risk', mode: 'shadow' })).toEqual({ group: '100', tags: ['switchboard_escalated', 'security'], priority: 'urgent', matched: 2 });
    expect(routeFor(sut, { intent: undefined, tenant: 'x', reason: 'agent_decision', mode: 'assist' })).toEqual({ group: '100', tags: ['switchboard_escalated'], priority: 'normal', matched: -1 });
  });

  it('leaves the reply status per tenant, with a default', () => {
    expect(replyStatusFor(sut, 'acme-eu')).toBe('pending');
    expect(replyStatusFor(sut, 'globex')).toBe('solved');
    expect(parseRouting('version: 1')).toMatchObject({ reply: { status: 'solved', tags: [] }, escalation: { routes: [], routeShadow: false } });
  });

  it('refuses a bad table with every problem listed, each with its path', () => {
    const bad = `
version: 1
reply: { status: closed }
escalation:
  default: { group: "team-a", tags: ["Needs Review"] }
  routes:
    - when: {}
      group: 1
    - when: { intnet: refund }
    - when: { intent: refund }
      priority: asap
  routeShadow: maybe
extra: 1
`;
    let error: RoutingInvalidError | undefined;
    try {
      parseRouting(bad, 'bad.yaml');
    } catch (e) {
      error = e as RoutingInvalidError;
    }
    expect(error).toBeInstanceOf(RoutingInvalidError);
    expect(error!.code).toBe('HELPDESK.ROUTING_INVALID');
    const paths = error!.problems.map((p) => p.split(':')[0]);
    expect(paths).toEqual(expect.arrayContaining([
      'reply.status', 'escalation.default.group', 'escalation.default.tags.0', 'escalation.routes.0.when', 'escalation.routes.1.when',
      'escalation.routes.2.priority', 'escalation.routeShadow', '(root)',
    ]));
    expect(error!.message).toContain('helpdesk routing file bad.yaml is invalid:\n  - ');
  });

  it('refuses a route that can never match and a file that is not YAML or cannot be read', () => {
    expect(() => parseRouting('version: 1\nescalation:\n  routes:\n    - when: { intent: refund }\n    - when: { intent: refund }\n      group: 2\n'))
      .toThrow('escalation.routes.1.when: same conditions as escalation.routes.0, so it never matches');
    expect(() => parseRouting('version: 1\n  reply: [')).toThrow(/not valid YAML\/JSON/);
    expect(() => loadRoutingFile('/nonexistent/routing.yaml')).toThrow(/cannot read/);
  });

  it('ships a default table that is valid', () => {
    expect(loadRoutingFile(helpdeskAppPath('routing', 'default.routing.yaml')).escalation.default.tags).toEqual(['switchboard_escalated']);
    const dir = mkdtempSync(join(tmpdir(), 'routing-'));
    writeFileSync(join(dir, 'r.json'), JSON.stringify({ version: 1, reply: { status: 'pending' } }));
    expect(loadRoutingFile(join(dir, 'r.json')).reply.status).toBe('pending');
  });
});
