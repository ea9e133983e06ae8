// Security evaluation of the tool gateway (`npm run eval:security`, ≈ 30 s): the real gateway and the real acme backend
// over HTTP on ephemeral ports, real Postgres (switchboard_test + acme_test, as the integration tests). No doubles.
// 1. Token attacks — forged, expired, out-of-scope, cross-tenant, superseded — each must be refused (100 %), with
//    no backend write at all.
// 2. Hostile tool invocations with a valid autonomous token (wrong types, extra properties, huge strings, path
//    traversal in path parameters, other tenants' ids, re-worded replays, split refunds, approval tampering, numeric
//    edges). Backend writes are then counted from the acme database and checked against the policy independently of
//    the gateway's own answers: another tenant's data, a refund not traceable to a gateway ledger entry, the same effect
//    twice in a case, refund totals above the approval limits (per case, per invoice, per tenant-day) with no approval.
// Run: node -r ./libs/llm/test/support/swc-register.js test/bench/gateway-security.bench.ts
import { randomBytes } from 'node:crypto';
import { configureLogging } from '@switchboard/observability';
import { ADMIN_KEY, AGENT_KEYS, newCaseId, startStack, TOKEN_SECRET, type Stack } from '../../apps/gateway/test/gateway-harness';
import { signForTest } from '../../apps/gateway/test/token-forgery';
import { atLeast, atMost, info, printFigures, type Figure } from './support/figures';

type Reply = { status: number; body: { status?: string; approvalId?: string; replayed?: boolean; error?: { code: string; message: string } } | undefined };
interface Attempt { category: string; label: string; expect: string[]; reply: Reply }
interface Hostile { kind: string; label: string; reply: Reply }

const WRITE_TOOLS = ['reset_tenant_cache', 'set_feature_flag', 'extend_trial', 'issue_refund', 'unlock_account'] as const;
const validArgs: Record<string, Record<string, unknown>> = {
  reset_tenant_cache: { tenantId: 'globex' },
  set_feature_flag: { tenantId: 'globex', flag: 'new-dashboard', enabled: false },
  extend_trial: { tenantId: 'globex', days: 7, reason: 'evaluation' },
  issue_refund: { tenantId: 'globex', invoiceId: 'inv_globex_1001', amount: 10, reason: 'duplicate charge' },
  unlock_account: { tenantId: 'globex', email: 'hank@globex.example' },
  get_invoice: { tenantId: 'globex', invoiceId: 'inv_globex_1001' },
};
const body = (args: unknown, extra: Record<string, unknown> = {}) => ({ toolCallId: `call_${randomBytes(4).toString('hex')}`, step: 1, arguments: args, ...extra });

export async function run(): Promise<Figure[]> {
  const s = await startStack();
  try {
    await s.acme.reseed();
    await s.resetWriteHistory();
    const before = await acmeMarks(s);
    const attempts = await tokenAttacks(s);
    const afterTokens = await acmeMarks(s);
    const hostileStart = afterTokens;
    const hostile = await hostileInvocations(s);
    const audit = await auditWrites(s, hostileStart);

    const figures: Figure[] = [];
    for (const category of ['forged', 'expired', 'out-of-scope', 'cross-tenant', 'superseded']) {
      const mine = attempts.filter((a) => a.category === category);
      const refused = mine.filter((a) => a.reply.body?.status === 'error' && a.expect.includes(a.reply.body.error!.code)).length;
      for (const a of mine.filter((x) => !(x.reply.body?.status === 'error' && x.expect.includes(x.reply.body.error!.code)))) {
        console.log(`  not refused as expected: ${category} / ${a.label}: ${a.reply.status} ${JSON.stringify(a.reply.body).slice(0, 200)}`);
      }
      figures.push(atLeast(`${category} tokens refused (${refused}/${mine.length})`, (100 * refused) / mine.length, '%', 100));
    }
    figures.push(atMost('backend writes during the token attacks', afterTokens.events - before.events, 'writes', 0));

    const byOutcome = new Map<string, number>();
    for (const h of hostile) {
      const key = h.reply.body?.status === 'error' ? h.reply.body.error!.code : h.reply.body?.status === 'ok' ? (h.reply.body.replayed ? 'ok (replayed)' : 'ok (executed)') : String(h.reply.body?.status ?? h.reply.status);
      byOutcome.set(key, (byOutcome.get(key) ?? 0) + 1);
    }
    const internal = hostile.filter((h) => h.reply.status >= 500 && h.reply.body?.error?.code !== 'OUTPUT_INVALID' && !/^BACKEND_/.test(h.reply.body?.error?.code ?? '')).length
      + hostile.filter((h) => /internal storage error/.test(h.reply.body?.error?.message ?? '')).length;
    figures.push(atLeast('hostile tool invocations sent', hostile.length, 'calls', 200));
    for (const kind of [...new Set(hostile.map((h) => h.kind))]) figures.push(info(`  … ${kind}`, hostile.filter((h) => h.kind === kind).length, 'calls'));
    figures.push({ name: 'outcomes of the hostile invocations', value: NaN, unit: '' });
    for (const [k, n] of [...byOutcome.entries()].sort((a, b) => b[1] - a[1])) figures.push(info(`  ${k}`, n, 'calls'));
    if (process.env.SECURITY_EVAL_VERBOSE === '1') {
      for (const h of hostile) console.log(`  ${h.kind} / ${h.label.slice(0, 80)}: ${h.reply.status} ${JSON.stringify(h.reply.body).slice(0, 160)}`);
    }
    figures.push(info('state changes the backend recorded during the hostile invocations (acme events)', audit.backendWrites, 'writes'));
    figures.push(info('successful backend write calls traced to a gateway ledger entry (Idempotency-Key)', audit.traced, 'calls'));
    for (const [what, n] of Object.entries(audit.violations)) figures.push(atMost(`unauthorised writes: ${what}`, n, 'writes', 0));
    figures.push(atMost('unauthorised writes, total', Object.values(audit.violations).reduce((a, b) => a + b, 0) + (afterTokens.events - before.events), 'writes', 0));
    figures.push(atMost('gateway internal errors or crashes (5xx not from the backend)', internal, 'calls', 0));
    return figures;
  } finally {
    await s.close();
  }
}

/** Counters of the backend's write log, to diff phases. */
async function acmeMarks(s: Stack): Promise<{ events: number; lastEventId: number; keys: number }> {
  const { rows } = await s.acme.pool.query<{ n: number; last: string | null; keys: number }>(
    'SELECT (SELECT count(*)::int FROM acme.events) AS n, (SELECT max(id)::text FROM acme.events) AS last, (SELECT count(*)::int FROM acme.idempotency_keys) AS keys');
  return { events: rows[0]!.n, lastEventId: Number(rows[0]!.last ?? 0), keys: rows[0]!.keys };
}

async function tokenAttacks(s: Stack): Promise<Attempt[]> {
  const out: Attempt[] = [];
  const now = Math.floor(Date.now() / 1000);
  const attempt = async (category: string, label: string, expect: string[], tool: string, token: string | undefined, args = validArgs[tool], headers: Record<string, string> = {}) => {
    s.resetRateLimits();
    out.push({ category, label, expect, reply: await s.invoke(tool, body(args), token, headers) });
  };
  const targets = ['issue_refund', 'reset_tenant_cache', 'get_invoice'];
  const forged: Array<[string, string | undefined, Record<string, string>?]> = [
    ['other secret', signForTest({ agentKey: AGENT_KEYS.resolver, secret: 'attacker-secret-attacker-secret-0123' })],
    ['alg none', signForTest({ agentKey: AGENT_KEYS.resolver, secret: TOKEN_SECRET, alg: 'none' })],
    ['alg HS512 header', signForTest({ agentKey: AGENT_KEYS.resolver, secret: TOKEN_SECRET, alg: 'HS512' })],
    ['alg RS256 header', signForTest({ agentKey: AGENT_KEYS.resolver, secret: TOKEN_SECRET, alg: 'RS256' })],
    ['tenant edited after signing', signForTest({ agentKey: AGENT_KEYS.resolver, secret: TOKEN_SECRET, claims: { scopes: ['read'] }, tamper: { tenantId: 'acme-eu' } })],
    ['scopes edited after signing', signForTest({ agentKey: AGENT_KEYS.resolver, secret: TOKEN_SECRET, claims: { scopes: ['read'] }, tamper: { scopes: ['read', 'write'] } })],
    ['mode edited after signing', signForTest({ agentKey: AGENT_KEYS.resolver, secret: TOKEN_SECRET, claims: { mode: 'shadow' }, tamper: { mode: 'autonomous' } })],
    ['tools edited after signing', signForTest({ agentKey: AGENT_KEYS.resolver, secret: TOKEN_SECRET, claims: { tools: ['get_tenant'] }, tamper: { tools: ['*'] } })],
    ['seq edited after signing', signForTest({ agentKey: AGENT_KEYS.resolver, secret: TOKEN_SECRET, tamper: { seq: 999 } })],
    ['wrong audience', signForTest({ agentKey: AGENT_KEYS.resolver, secret: TOKEN_SECRET, claims: { aud: 'someone-else' } })],
    ['wrong issuer', signForTest({ agentKey: AGENT_KEYS.resolver, secret: TOKEN_SECRET, claims: { iss: 'attacker' } })],
    ['claims break the contract', signForTest({ agentKey: AGENT_KEYS.resolver, secret: TOKEN_SECRET, claims: { agent: 'root', scopes: ['admin'] } })],
    ['no signature', signForTest({ agentKey: AGENT_KEYS.resolver, secret: TOKEN_SECRET }).replace(/\.[^.]+$/, '.')],
    ['truncated', signForTest({ agentKey: AGENT_KEYS.resolver, secret: TOKEN_SECRET }).slice(0, 40)],
    ['garbage', 'definitely.not.ajwt'],
    ['no Authorization header', undefined],
    ['Basic scheme', undefined, { authorization: 'Basic YWRtaW46YWRtaW4=' }],
    ['the admin key as bearer token', ADMIN_KEY],
  ];
  for (const [label, token, headers] of forged) for (const tool of targets) await attempt('forged', label, ['TOKEN_INVALID', 'TOKEN_MISSING'], tool, token, validArgs[tool], headers ?? {});

  const expired: Array<[string, number, number]> = [
    ['expired a minute ago', now - 360, now - 60], ['expired an hour ago', now - 7200, now - 3600], ['expired a day ago', now - 90_000, now - 86_400],
    ['expired just past the tolerance', now - 300, now - 6], ['issued in the future', now + 3600, now + 7200], ['exp before iat', now - 10, now - 20],
  ];
  for (const [label, iat, exp] of expired) for (const tool of targets) await attempt('expired', label, ['TOKEN_EXPIRED', 'TOKEN_INVALID'], tool, signForTest({ agentKey: AGENT_KEYS.resolver, secret: TOKEN_SECRET, iat, exp }));

  const readOnlyTools = await s.token({ tools: ['get_tenant', 'get_invoice'] });
  for (const tool of [...WRITE_TOOLS, 'get_cache_status']) await attempt('out-of-scope', `tool not in the token (${tool})`, ['TOOL_NOT_IN_SCOPE'], tool, readOnlyTools, validArgs[tool] ?? { tenantId: 'globex' });
  const readScope = await s.token({ scopes: ['read'] });
  for (const tool of WRITE_TOOLS) await attempt('out-of-scope', `read scope calls ${tool}`, ['TOOL_NOT_IN_SCOPE'], tool, readScope);
  const verifier = await s.token({ agent: 'verifier', scopes: ['read'] });
  for (const tool of WRITE_TOOLS) await attempt('out-of-scope', `verifier calls ${tool}`, ['TOOL_NOT_IN_SCOPE'], tool, verifier);
  for (const mode of ['shadow', 'assist'] as const) {
    const token = await s.token({ mode });
    for (const tool of WRITE_TOOLS) await attempt('out-of-scope', `${mode} mode calls ${tool}`, ['WRITE_NOT_ALLOWED_IN_MODE'], tool, token);
  }

  const globex = await s.token({ tenantId: 'globex' });
  for (const other of ['acme-eu', 'initech', 'GLOBEX', 'globex ', 'globex/../acme-eu', '']) {
    for (const tool of [...WRITE_TOOLS, 'get_invoice']) {
      await attempt('cross-tenant', `${tool} for tenant ${JSON.stringify(other)}`, ['TENANT_MISMATCH'], tool, globex, { ...validArgs[tool], tenantId: other });
    }
  }
  // Another tenant's pending approval, used by globex: refused, and not even readable.
  const euCase = newCaseId();
  const euHold = await s.invoke('issue_refund', body({ tenantId: 'acme-eu', invoiceId: 'inv_acme_eu_2401', amount: 150, reason: 'goodwill' }), await s.token({ tenantId: 'acme-eu', caseId: euCase }));
  if (euHold.body?.status !== 'held') throw new Error(`the cross-tenant approval setup expected a hold, got ${JSON.stringify(euHold.body)}`);
  const euApproval = euHold.body.approvalId!;
  for (const args of [{ tenantId: 'globex', invoiceId: 'inv_globex_1001', amount: 150, reason: 'x y z' }, { tenantId: 'acme-eu', invoiceId: 'inv_acme_eu_2401', amount: 150, reason: 'goodwill' }]) {
    const reply = await s.invoke('issue_refund', body(args, { approvalId: euApproval }), globex);
    out.push({ category: 'cross-tenant', label: `another tenant's approval id, arguments of ${args.tenantId}`, expect: ['APPROVAL_INVALID', 'TENANT_MISMATCH'], reply });
  }
  const read = await fetch(`${s.url}/v1/approvals/${euApproval}`, { headers: { authorization: `Bearer ${globex}` } });
  out.push({ category: 'cross-tenant', label: "reading another tenant's approval", expect: ['APPROVAL_INVALID'], reply: { status: read.status, body: (await read.json()) as Reply['body'] } });

  const caseId = newCaseId();
  const olds = await Promise.all([1, 2, 3].map((seq) => s.token({ caseId, taskId: `task_${seq}`, seq })));
  for (const old of olds) await s.invoke('get_tenant', body({ tenantId: 'globex' }), old); // each was current once
  await s.client(await s.token({ caseId, taskId: 'task_4', seq: 4 })).listTools();
  for (const [i, old] of olds.entries()) {
    for (const tool of [...WRITE_TOOLS, 'get_invoice']) await attempt('superseded', `seq ${i + 1} after seq 4 calls ${tool}`, ['TOKEN_SUPERSEDED'], tool, old);
    const list = await fetch(`${s.url}/v1/tools`, { headers: { authorization: `Bearer ${old}` } });
    out.push({ category: 'superseded', label: `seq ${i + 1} lists tools`, expect: ['TOKEN_SUPERSEDED'], reply: { status: list.status, body: (await list.json()) as Reply['body'] } });
  }
  return out;
}

async function hostileInvocations(s: Stack): Promise<Hostile[]> {
  const out: Hostile[] = [];
  const send = async (kind: string, label: string, tool: string, payload: unknown, token: string) => {
    s.resetRateLimits(); // measure the checks behind the throttle (the throttle itself is one more layer)
    out.push({ kind, label, reply: await s.invoke(tool, payload, token) });
  };
  const fresh = () => s.token({ tenantId: 'globex' });
  let token = await fresh();

  const wrong: Record<string, Record<string, unknown[]>> = {
    issue_refund: { tenantId: [7, null, true, ['globex'], { id: 'globex' }], invoiceId: [1001, null, '', ['inv_globex_1001'], {}], amount: ['10', '1e2', null, true, [10], {}, -5, 0, 1e308, 1_000_001], reason: [42, null, '', 'no', ['x'], {}] },
    extend_trial: { days: ['7', 7.5, -1, 0, 31, null, 1e9, [7]], reason: [7, 'x'.repeat(501)] },
    set_feature_flag: { flag: [123, '', 'UPPER', 'a/b', '../cache/reset', 'x'.repeat(65)], enabled: ['true', 1, null, 'false'] },
    unlock_account: { email: [42, 'not-an-email', 'a@b', '', null, 'a b@c.de', 'hank@globex.example\nbcc:x@y.z'] },
    reset_tenant_cache: { tenantId: [123, null, ['globex'], { $ne: null }] },
  };
  for (const [tool, fields] of Object.entries(wrong)) {
    for (const [field, values] of Object.entries(fields)) {
      for (const v of values) await send('wrong types and bad values', `${tool}.${field} = ${JSON.stringify(v).slice(0, 40)}`, tool, body({ ...validArgs[tool], [field]: v }), token);
    }
  }

  for (const tool of WRITE_TOOLS) {
    for (const extra of [{ sql: 'DROP TABLE acme.refunds' }, { approvalId: 'apr_self_approved' }, { tenant: 'acme-eu' }, { constructor: { prototype: { admin: true } } }, { approved: true }]) {
      await send('extra properties', `${tool} + ${Object.keys(extra)[0]}`, tool, body({ ...validArgs[tool], ...extra }), token);
    }
    // Prototype pollution through the raw JSON body: "__proto__" survives JSON.parse as an own key.
    await send('extra properties', `${tool} + __proto__`, tool, `{"toolCallId":"p","step":1,"arguments":${JSON.stringify(validArgs[tool]).slice(0, -1)},"__proto__":{"tenantId":"acme-eu","admin":true}}}`, token);
  }
  await send('extra properties', 'arguments is an array', 'issue_refund', body(['globex', 'inv_globex_1001', 10]), token);
  await send('extra properties', 'arguments is a string', 'issue_refund', body('tenantId=globex'), token);

  for (const [label, size] of [['10 KB', 10_000], ['60 KB', 60_000], ['200 KB (over the body limit)', 200_000], ['2 MB', 2_000_000]] as const) {
    await send('huge strings', `refund reason ${label}`, 'issue_refund', body({ ...validArgs.issue_refund, reason: 'A'.repeat(size) }), token);
    await send('huge strings', `invoiceId ${label}`, 'issue_refund', body({ ...validArgs.issue_refund, invoiceId: 'i'.repeat(size) }), token);
    await send('huge strings', `email ${label}`, 'unlock_account', body({ tenantId: 'globex', email: `${'a'.repeat(size)}@globex.example` }), token);
  }

  const traversals = [
    '../inv_acme_eu_2401', '../../acme-eu/invoices/inv_acme_eu_2401', '..%2F..%2Facme-eu%2Finvoices%2Finv_acme_eu_2401', '%2e%2e%2f%2e%2e%2facme-eu',
    'inv_globex_1001/../../../tenants/acme-eu/invoices/inv_acme_eu_2401', '..\\..\\acme-eu', 'inv_globex_1001?tenant=acme-eu', 'inv_globex_1001#x',
    'inv_globex_1001\u0000', '/tenants/acme-eu/invoices/inv_acme_eu_2401', '....//....//acme-eu', 'inv_acme_eu_2401/../../../globex/invoices/inv_globex_1001',
  ];
  for (const inv of traversals) {
    await send('path traversal in path parameters', `refund invoiceId ${JSON.stringify(inv)}`, 'issue_refund', body({ ...validArgs.issue_refund, invoiceId: inv, amount: 5 }), await fresh());
    await send('path traversal in path parameters', `get_invoice invoiceId ${JSON.stringify(inv)}`, 'get_invoice', body({ tenantId: 'globex', invoiceId: inv }), token);
  }
  for (const flag of ['../../cache/reset', '..%2f..%2fcache', 'new-dashboard/../../x']) await send('path traversal in path parameters', `flag ${flag}`, 'set_feature_flag', body({ tenantId: 'globex', flag, enabled: true }), token);

  for (const [inv, amount] of [['inv_acme_eu_2401', 5], ['inv_acme_eu_2401', 99], ['inv_initech_0001', 5], ['inv_initech_0001', 40], ['inv_nope', 5]] as const) {
    await send("other tenants' ids", `refund on ${inv}`, 'issue_refund', body({ ...validArgs.issue_refund, invoiceId: inv, amount }), await fresh());
  }
  for (const email of ['peter@initech.example', 'PETER@initech.example', 'admin@acme-eu.example', 'hank@globex.example@initech.example']) {
    await send("other tenants' ids", `unlock ${email}`, 'unlock_account', body({ tenantId: 'globex', email }), await fresh());
  }
  await send("other tenants' ids", 'get_user of another tenant', 'get_user', body({ tenantId: 'globex', email: 'peter@initech.example' }), token);

  // One case asks for the same refund again and again, re-worded, from re-dispatched tasks: one write at most.
  const replayCase = newCaseId();
  for (let i = 0; i < 30; i++) {
    const t = await s.token({ caseId: replayCase, taskId: `task_r${i}`, seq: i + 1 });
    await send('replays with re-worded free text', `refund 40, wording ${i}`, 'issue_refund', { toolCallId: `tc_${i}`, step: i, arguments: { ...validArgs.issue_refund, amount: 40, reason: `refund request, take ${i}: ${randomBytes(3).toString('hex')}` } }, t);
  }
  for (let i = 0; i < 5; i++) await send('replays with re-worded free text', `unlock again ${i}`, 'unlock_account', body(validArgs.unlock_account), token);
  for (let i = 0; i < 5; i++) await send('replays with re-worded free text', `reset again ${i}`, 'reset_tenant_cache', body(validArgs.reset_tenant_cache), token);

  // Splitting refunds under the 100.00 threshold: in one case, then one invoice from many cases.
  const splitCase = await s.token();
  for (let i = 0; i < 20; i++) await send('split refunds', `one case, refund ${10 + i / 100}`, 'issue_refund', body({ ...validArgs.issue_refund, invoiceId: i % 2 ? 'inv_globex_1003' : 'inv_globex_1001', amount: 10 + i / 100 }), splitCase);
  for (let i = 0; i < 15; i++) await send('split refunds', `case ${i}, refund 30 on inv_globex_1001`, 'issue_refund', body({ ...validArgs.issue_refund, amount: 30 }), await fresh());
  s.resetRateLimits();
  const concurrent = await Promise.all(Array.from({ length: 5 }, async (_, i) => ({ i, reply: await s.invoke('issue_refund', body({ ...validArgs.issue_refund, invoiceId: 'inv_globex_1003', amount: 45 - i }), await fresh()) })));
  for (const c of concurrent) out.push({ kind: 'split refunds', label: `concurrent case ${c.i}, refund on inv_globex_1003`, reply: c.reply });

  const approvalCase = newCaseId();
  const owner = await s.token({ caseId: approvalCase });
  s.resetRateLimits();
  const hold = await s.invoke('issue_refund', body({ ...validArgs.issue_refund, amount: 150 }), owner);
  if (hold.body?.status !== 'held') throw new Error(`the approval-tampering setup expected a hold, got ${JSON.stringify(hold.body)}`);
  const approvalId = hold.body.approvalId!;
  for (const [label, tool, payload, t] of [
    ['pending approval id', 'issue_refund', body({ ...validArgs.issue_refund, amount: 150 }, { approvalId }), owner],
    ['pending approval id, other amount', 'issue_refund', body({ ...validArgs.issue_refund, amount: 99 }, { approvalId }), owner],
    ['forged approval id', 'issue_refund', body({ ...validArgs.issue_refund, amount: 150 }, { approvalId: 'apr_00000000-0000-0000-0000-000000000000' }), owner],
    ['approval id from another case', 'issue_refund', body({ ...validArgs.issue_refund, amount: 150 }, { approvalId }), await fresh()],
    ['approval id on another tool', 'reset_tenant_cache', body(validArgs.reset_tenant_cache, { approvalId }), owner],
    ['approval id as an SQL string', 'issue_refund', body({ ...validArgs.issue_refund, amount: 150 }, { approvalId: "' OR 1=1 --" }), owner],
  ] as Array<[string, string, unknown, string]>) await send('approval tampering', label, tool, payload, t);
  for (const path of ['approve', 'reject']) {
    const res = await fetch(`${s.url}/v1/approvals/${approvalId}/${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${owner}` }, body: JSON.stringify({ approvedBy: 'agent', rejectedBy: 'agent' }) });
    out.push({ kind: 'approval tampering', label: `${path} with the task token`, reply: { status: res.status, body: (await res.json()) as Reply['body'] } });
  }
  for (const amount of [100.001, 99.999999, 100, 0.001]) await send('numeric edges', `refund ${amount}`, 'issue_refund', body({ ...validArgs.issue_refund, amount }), await fresh());
  token = await fresh();
  await send('numeric edges', 'extend_trial days 30 (allowed, but globex converted)', 'extend_trial', body({ tenantId: 'globex', days: 30 }), token);
  return out;
}

/**
 * Backend writes since `since`, checked against the policy from the backend's own records: every write must trace to a
 * gateway ledger entry (its Idempotency-Key), stay in the token's tenant, run each effect once per case, and keep
 * refund totals within the approval limits (no approval was granted during the run).
 */
async function auditWrites(s: Stack, since: { lastEventId: number }): Promise<{ backendWrites: number; traced: number; violations: Record<string, number> }> {
  const events = (await s.acme.pool.query<{ tenant_id: string; kind: string; detail: Record<string, unknown> }>('SELECT tenant_id, kind, detail FROM acme.events WHERE id > $1 ORDER BY id', [since.lastEventId])).rows;
  const keys = (await s.acme.pool.query<{ key: string; body: Record<string, unknown> }>(`SELECT key, body FROM acme.idempotency_keys WHERE status < 300`)).rows;
  const ledger = new Map((await s.db.query<{ idempotency_key: string; case_id: string; tool: string; approval_id: string | null }>(
    `SELECT idempotency_key, case_id, tool, approval_id FROM gateway.write_ledger WHERE status = 'done'`)).rows.map((r) => [r.idempotency_key, r]));
  const refunds = (await s.acme.pool.query<{ id: string; invoice_id: string; tenant_id: string; amount_cents: string }>(
    `SELECT r.id, r.invoice_id, r.tenant_id, r.amount_cents::text FROM acme.refunds r WHERE r.id <> 'ref_seed_1' ORDER BY r.created_at, r.id`)).rows;
  const isRefund = (b: Record<string, unknown>) => typeof b.id === 'string' && typeof b.invoiceId === 'string';
  const keyOfRefund = new Map(keys.filter((k) => isRefund(k.body)).map((k) => [k.body.id as string, k.key]));

  const violations: Record<string, number> = {
    "another tenant's data": events.filter((e) => e.tenant_id !== 'globex').length,
    'writes not traced to a gateway ledger entry': 0,
    'the same effect twice in one case': 0,
    'refunds above 100.00 per case without approval': 0,
    'refunds above 100.00 per invoice without approval': 0,
    'refunds above 300.00 per tenant-day without approval': 0,
  };
  violations['writes not traced to a gateway ledger entry'] = Math.max(0, events.length - keys.filter((k) => ledger.has(k.key)).length);
  const perCase = new Map<string, number>();
  const perInvoice = new Map<string, number>();
  // What each write did, read from the backend's response (not from the gateway's effect hash): per case, once.
  const IDENTITY: Record<string, string[]> = {
    issue_refund: ['invoiceId', 'amount'], unlock_account: ['email'], set_feature_flag: ['flag', 'enabled'], extend_trial: ['lastExtensionDays'], reset_tenant_cache: ['tenantId'],
  };
  const seenEffects = new Set<string>();
  const once = (caseId: string, tool: string, b: Record<string, unknown>) => {
    const effect = JSON.stringify([caseId, tool, ...(IDENTITY[tool] ?? Object.keys(b).sort()).map((f) => b[f])]);
    if (seenEffects.has(effect)) violations['the same effect twice in one case']++;
    seenEffects.add(effect);
  };
  let tenantDay = 0;
  let traced = 0;
  for (const r of refunds) {
    const amount = Number(r.amount_cents) / 100;
    const key = keyOfRefund.get(r.id) ?? '';
    const row = ledger.get(key);
    if (!row) { violations['writes not traced to a gateway ledger entry']++; continue; }
    traced++;
    once(row.case_id, 'issue_refund', { invoiceId: r.invoice_id, amount });
    if (row.approval_id) continue; // approved by a human: outside the automatic limits (none are granted in this run)
    const c = (perCase.get(row.case_id) ?? 0) + amount;
    const i = (perInvoice.get(r.invoice_id) ?? 0) + amount;
    tenantDay += amount;
    perCase.set(row.case_id, c);
    perInvoice.set(r.invoice_id, i);
    if (c > 100 + 1e-9) violations['refunds above 100.00 per case without approval']++;
    if (i > 100 + 1e-9) violations['refunds above 100.00 per invoice without approval']++;
    if (tenantDay > 300 + 1e-9) violations['refunds above 300.00 per tenant-day without approval']++;
  }
  for (const k of keys) {
    const row = ledger.get(k.key);
    if (!row || isRefund(k.body)) continue; // refunds were counted above
    traced++;
    once(row.case_id, row.tool, k.body);
  }
  return { backendWrites: events.length, traced, violations };
}

if (require.main === module) {
  configureLogging({ level: 'error' });
  const t0 = Date.now();
  run().then((f) => {
    printFigures('gateway security evaluation (real gateway, real acme backend over HTTP, real Postgres)', f);
    const misses = f.filter((x) => x.ok === false);
    console.log(`\n${misses.length} target(s) missed${misses.length ? `: ${misses.map((m) => m.name).join('; ')}` : ''}; ${Math.round((Date.now() - t0) / 1000)} s`);
    process.exit(misses.length ? 1 : 0);
  }, (e: unknown) => { console.error(e); process.exit(1); });
}
