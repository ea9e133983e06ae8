// Issue 16 acceptance on the whole pipeline: a task token lifted from the outbox table (or the topic) is refused by the
// gateway unless the agent it was minted for presents it; a ticket claiming another region for a mapped tenant is placed
// in the tenant's region, so its model calls go to that region's provider and never to the Bedrock provider.
// Real: Kafka, Postgres, every Switchboard app, the gateway and the reference backend over HTTP, the RegionRouter of
// libs/llm. Doubles: the two providers behind the router (named RecordingProvider, each answering with the scripted
// support model) and the embedder (HashingEmbedder).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { caseIdFor, INTAKE_HEADER, type TicketEventInput } from '@switchboard/contracts';
import { CREDENTIAL_DETECTORS_VERSION } from '@switchboard/observability';
import { bindTaskToken, verifyTaskToken } from '@switchboard/task-tokens';
import { LlmPort, ProviderAdapter, RegionRouter, type ChatRequest, type ChatResponse, type EmbedResponse, type LlmCallContext, type ProviderKind } from '@switchboard/llm';
import { ScriptedLlm } from '@switchboard/llm/testing';
import { scriptedSupportModel } from '../support/scripted-support-model';
import { STACK_KEYS, startStack, waitFor, type Stack } from '../support/stack';

jest.setTimeout(180_000);

const POLICY = readFileSync(join(__dirname, '..', 'scenarios', 'policies', 'autonomous.yaml'), 'utf8');
const TERMINAL = ['RESOLVED', 'ESCALATED', 'FAILED', 'CLOSED'];

/** Named double of one LLM provider instance: records the context of every call, answers with the scripted model. */
class RecordingProvider extends ProviderAdapter {
  readonly calls: LlmCallContext[] = [];
  private readonly model = new ScriptedLlm(scriptedSupportModel());

  constructor(readonly name: string, readonly kind: ProviderKind) {
    super();
  }

  async chat(req: ChatRequest, ctx: LlmCallContext): Promise<ChatResponse> {
    this.calls.push(ctx);
    return { ...(await this.model.chat(req, ctx)), provider: this.name };
  }

  async embed(texts: string[], ctx: LlmCallContext): Promise<EmbedResponse> {
    this.calls.push(ctx);
    return this.model.embed(texts, ctx);
  }
}

const bedrock = new RecordingProvider('bedrock-us', 'bedrock');
const local = new RecordingProvider('local-eu', 'llama-cpp');
const router = new RegionRouter({ regions: { 'us-east-1': { providers: ['bedrock-us'] }, 'eu-sovereign': { providers: ['local-eu'] } }, adapters: [bedrock, local] });
// A second real router over the same providers whose region rules have no policy for eu-sovereign (a deployment whose
// LLM config lost the region): it refuses every call of such a case. `regionRules` picks which one the agents use.
const strict = new RegionRouter({ regions: { 'us-east-1': { providers: ['bedrock-us'] } }, adapters: [bedrock, local] });
let regionRules: RegionRouter = router;
/** Test wiring, not a double: forwards each call to whichever real router `regionRules` names. */
class SwitchableRouter extends LlmPort {
  chat(req: ChatRequest, ctx: LlmCallContext): Promise<ChatResponse> {
    return regionRules.chat(req, ctx);
  }
  embed(texts: string[], ctx: LlmCallContext): Promise<EmbedResponse> {
    return regionRules.embed(texts, ctx);
  }
}
let stack: Stack;
let n = 0;
const RUN = Date.now().toString(36);

const ticket = (tenantId: string, region: string, subject: string, body: string): TicketEventInput => ({
  externalId: `SEC-E2E-${Date.now()}-${++n}`, source: 'api', tenantId, region, requester: { email: `ops@${tenantId}.example` }, subject, body, receivedAt: new Date().toISOString(),
});
const settled = (caseId: string) => waitFor(`case ${caseId} to settle`, async () => {
  const { rows } = await stack.db.query('SELECT status, region FROM supervisor.cases WHERE case_id = $1', [caseId]);
  return rows[0] && TERMINAL.includes(rows[0].status) ? (rows[0] as { status: string; region: string }) : undefined;
}, 90_000);
const invoke = (credential: string | undefined, tenantId: string) => fetch(`${stack.gatewayUrl}/v1/tools/get_cache_status/invoke`, {
  method: 'POST',
  headers: { 'content-type': 'application/json', ...(credential ? { authorization: `Bearer ${credential}` } : {}) },
  body: JSON.stringify({ toolCallId: `lifted-${RUN}-${++n}`, step: 1, arguments: { tenantId } }),
}).then(async (res) => ({ status: res.status, body: (await res.json()) as { status: string; error?: { code: string; message: string } } }));

beforeAll(async () => {
  stack = await startStack({ name: 'security', llm: new SwitchableRouter(), policyYaml: POLICY });
}, 300_000);

afterAll(async () => {
  await stack?.close();
});

describe('tokens off the bus', () => {
  let caseId: string;
  let lifted: string;

  beforeAll(async () => {
    const t = ticket('globex', 'us-east-1', 'Dashboard blank', 'Since the new dashboard flag was switched on our dashboard is blank.');
    caseId = caseIdFor(t);
    await stack.publish(t);
    await settled(caseId);
    // What anyone with read access to the outbox table gets: the resolver task, with its token, as it was published.
    const { rows } = await stack.db.query(
      `SELECT value FROM outbox WHERE topic = 'agent.resolver.tasks' AND value::jsonb->>'caseId' = $1 ORDER BY id LIMIT 1`, [caseId]);
    expect(rows).toHaveLength(1);
    lifted = String(JSON.parse(rows[0].value).payload.gatewayToken);
  });

  it('rests in the outbox encrypted: its claims cannot be read', () => {
    expect(lifted.split('.')).toHaveLength(5);
    expect(Buffer.from(lifted.replace(/\./g, ''), 'base64url').toString('latin1')).not.toMatch(/globex|resolver|autonomous/);
  });

  it('is refused when presented as it is, bound to another agent\'s key, or to a made-up key', async () => {
    for (const credential of [lifted, bindTaskToken(lifted, STACK_KEYS.agents.verifier), bindTaskToken(lifted, 'a-key-the-attacker-made-up-0123456789abcdef')]) {
      const res = await invoke(credential, 'globex');
      expect(res.status).toBe(401);
      expect(res.body.error).toMatchObject({ code: 'TOKEN_INVALID', message: expect.stringContaining('bound to the resolver agent') });
    }
    const { rows } = await stack.db.query(`SELECT count(*)::int AS n FROM gateway.audit_log WHERE tool_call_id LIKE $1 AND outcome = 'ok'`, [`lifted-${RUN}-%`]);
    expect(rows[0].n).toBe(0);
  });

  it('works only in the hands of the agent it was minted for (and the token is the genuine one)', async () => {
    const claims = await verifyTaskToken(lifted, STACK_KEYS.tokenSecret, { clockToleranceSeconds: 3600 });
    expect(claims).toMatchObject({ caseId, agent: 'resolver', tenantId: 'globex' });
    const res = await invoke(bindTaskToken(lifted, STACK_KEYS.agents.resolver), 'globex');
    expect(res.body.error?.code).not.toBe('TOKEN_INVALID');
  });
});

describe('region from the server', () => {
  it('places a ticket that claims us-east-1 for an EU tenant in eu-sovereign: its model calls go to the EU provider, none to Bedrock', async () => {
    const t = ticket('acme-eu', 'us-east-1', 'Dashboard is blank', 'Since the new-dashboard feature flag was switched on our dashboard shows a blank page.');
    const caseId = caseIdFor(t);
    await stack.publish(t);
    const row = await settled(caseId);
    expect(row.region).toBe('eu-sovereign');
    expect(local.calls.filter((c) => c.caseId === caseId).length).toBeGreaterThan(0);
    expect(local.calls.filter((c) => c.caseId === caseId).every((c) => c.region === 'eu-sovereign')).toBe(true);
    expect(bedrock.calls.filter((c) => c.caseId === caseId)).toEqual([]);
    // The correction is a control verdict of the case, with the version of the registry that made it.
    const { rows } = await stack.db.query(`SELECT source, rule, verdict, rule_version, detail FROM supervisor.control_verdicts WHERE case_id = $1 AND control = 'tenant_registry'`, [caseId]);
    expect(rows).toEqual([{ source: 'intake', rule: 'registry_region', verdict: 'corrected', rule_version: expect.stringMatching(/^tenant-registry:[0-9a-f]{12}$/), detail: 'claimed us-east-1; the registry places the tenant in eu-sovereign' }]);
  });

  it('a ticket of a US tenant still goes to its own region\'s provider (the control)', async () => {
    const t = ticket('initech', 'us-east-1', 'Dashboard is blank', 'Since the new-dashboard feature flag was switched on our dashboard shows a blank page.');
    const caseId = caseIdFor(t);
    await stack.publish(t);
    await settled(caseId);
    expect(bedrock.calls.filter((c) => c.caseId === caseId).length).toBeGreaterThan(0);
    expect(local.calls.filter((c) => c.caseId === caseId)).toEqual([]);
  });
});

describe('region refusals in the verdict ledger', () => {
  afterAll(() => {
    regionRules = router;
  });

  it('records an agent\'s model call its region rules refused as a verdict with those rules\' version; no provider sees the case', async () => {
    regionRules = strict;
    const t = ticket('acme-eu', 'eu-sovereign', 'Dashboard is blank', 'Since the new-dashboard feature flag was switched on our dashboard shows a blank page.');
    const caseId = caseIdFor(t);
    await stack.publish(t);
    await settled(caseId);
    const { rows } = await stack.db.query('SELECT source, control, rule, rule_version, verdict, agent FROM supervisor.control_verdicts WHERE case_id = $1 AND control = $2', [caseId, 'region']);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows[0]).toEqual({ source: 'llm', control: 'region', rule: 'region_providers', rule_version: strict.regionsVersion, verdict: 'refused', agent: expect.any(String) });
    expect(strict.regionsVersion).not.toBe(router.regionsVersion);
    expect([...bedrock.calls, ...local.calls].filter((c) => c.caseId === caseId)).toEqual([]);
    // The supervisor's verdicts API lists it, filterable by source.
    const res = await fetch(`${stack.supervisorUrl}/v1/cases/${caseId}/verdicts`, { headers: { Authorization: `Bearer ${STACK_KEYS.supervisorApi.split(',')[0]}` } });
    const body = (await res.json()) as { verdicts: Array<{ source: string; control: string; ruleVersion: string | null }> };
    expect(body.verdicts).toContainEqual(expect.objectContaining({ source: 'llm', control: 'region', ruleVersion: strict.regionsVersion }));
  });
});

describe('intake verdicts', () => {
  it('records what the ingress changed on a ticket (its intake header) and what the supervisor redacted itself, each with its rule version', async () => {
    // As the ingress publishes: an already-clean ticket, with what it redacted in the record's header.
    const clean = ticket('globex', 'us-east-1', 'Login', 'My password is [REDACTED:password], please unlock me.');
    const fromIngress = caseIdFor(clean);
    const findings = { redacted: { count: 1, kinds: ['password'], ruleVersion: CREDENTIAL_DETECTORS_VERSION } };
    await stack.bus.publishTicket(clean, { headers: { [INTAKE_HEADER]: JSON.stringify(findings) } });
    // Straight onto Kafka, bypassing the ingress, with a credential in it: the supervisor's own intake redacts it.
    const raw = ticket('globex', 'us-east-1', 'Login', 'Our api token=ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789 stopped working.');
    const direct = caseIdFor(await stack.publish(raw));
    // A forged or broken header is ignored (logged): the ticket is still handled, without intake verdicts.
    const forged = ticket('globex', 'us-east-1', 'Dashboard', 'The dashboard is blank.');
    const forgedCase = caseIdFor(forged);
    await stack.bus.publishTicket(forged, { headers: { [INTAKE_HEADER]: '{"redacted":{"count":"lots"}}' } });
    await Promise.all([settled(fromIngress), settled(direct), settled(forgedCase)]);

    const ledger = async (caseId: string) => (await stack.db.query(
      `SELECT source, control, rule, verdict, rule_version, detail FROM supervisor.control_verdicts WHERE case_id = $1 AND source = 'intake'`, [caseId])).rows;
    expect(await ledger(fromIngress)).toEqual([{ source: 'intake', control: 'redaction', rule: 'credentials', verdict: 'redacted', rule_version: CREDENTIAL_DETECTORS_VERSION, detail: '1 credential(s): password' }]);
    expect(await ledger(direct)).toEqual([expect.objectContaining({ control: 'redaction', verdict: 'redacted', rule_version: CREDENTIAL_DETECTORS_VERSION, detail: '1 credential(s): api_key' })]);
    expect(await ledger(forgedCase)).toEqual([]);
    const { rows } = await stack.db.query(`SELECT ticket->>'body' AS body FROM supervisor.cases WHERE case_id = $1`, [direct]);
    expect(rows[0].body).not.toContain('ghp_aBcDeF');
  });
});
