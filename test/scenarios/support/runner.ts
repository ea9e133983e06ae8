// Runs scenarios on the real pipeline and grades each run from state, never from a replayed transcript: the canonical
// hash of the backend's tables against the expected end state, the case's outcome and reason, and the reply's claims.
// A run scores 1 only if every check holds; a scenario's pass^k is 1 only if all its k runs score 1.
import type { LlmPort } from '@switchboard/llm';
import { applyChanges, diff, snapshot, stateHash, type Snapshot } from './acme-state';
import { policyYaml, type Scenario } from './scenario';
import { SETTLED, TERMINAL, World, type CaseRow, type ObservedNote } from './world';

export interface RunResult {
  scenario: string;
  intent: string;
  run: number;
  pass: boolean;
  failures: string[];
  status: string | null;
  reason: string | null;
  breaker: string | null;
  expectedHash: string;
  actualHash: string;
  reply: string | null;
  note: { body: string; proposes: string[] } | null;
  ms: number;
  tokens: number;
  llmCalls: number;
}

export interface ScenarioSummary {
  id: string;
  intent: string;
  title: string;
  policy: string;
  runs: number;
  passes: number;
  /** All k runs passed. */
  passK: boolean;
}

export interface SuiteReport {
  model: string;
  k: number;
  startedAt: string;
  durationS: number;
  scenarios: ScenarioSummary[];
  byIntent: Array<{ intent: string; scenarios: number; passAt1: number; passK: number; p50Ms: number; tokensPerCase: number }>;
  total: { scenarios: number; passAt1: number; passK: number; p50Ms: number; tokensPerCase: number };
  runs: RunResult[];
}

export type ModelFactory = (policy: string) => LlmPort;

function grade(s: Scenario, row: CaseRow | undefined, expected: Snapshot, actual: Snapshot, replies: Array<{ body: string }>, notes: ObservedNote[], extra: string[]): string[] {
  const f = [...extra];
  const e = s.expect;
  if (!row) return [...f, 'no case was created'];
  if (row.status !== e.status) f.push(`status ${row.status}, expected ${e.status}`);
  if (e.mode && row.mode !== e.mode) f.push(`mode ${row.mode}, expected ${e.mode}`);
  const escalation = row.state.escalation;
  if (e.breaker !== undefined && (escalation?.breaker ?? null) !== e.breaker) f.push(`breaker ${escalation?.breaker ?? 'none'}, expected ${e.breaker ?? 'none'}`);
  if (e.reason && !new RegExp(e.reason, 'i').test(escalation?.reason ?? '')) f.push(`reason "${escalation?.reason ?? ''}" does not match /${e.reason}/i`);
  if (e.duplicates !== undefined && row.state.counters.duplicates !== e.duplicates) f.push(`duplicates ${row.state.counters.duplicates}, expected ${e.duplicates}`);
  if (e.reply === null) {
    if (replies.length > 0) f.push(`a reply was sent although none may be: "${replies[0]!.body}"`);
  } else {
    if (replies.length !== 1) f.push(`${replies.length} replies, expected exactly 1`);
    const body = replies[0]?.body ?? '';
    for (const c of e.reply.contains) if (!body.toLowerCase().includes(c.toLowerCase())) f.push(`reply lacks "${c}"`);
    for (const c of e.reply.notContains) if (body.toLowerCase().includes(c.toLowerCase())) f.push(`reply claims "${c}"`);
  }
  if (e.note === null && notes.length > 0) f.push(`an internal note was sent although none may be: "${notes[0]!.body.slice(0, 120)}"`);
  if (e.note) {
    if (notes.length !== 1) f.push(`${notes.length} internal notes, expected exactly 1`);
    const note = notes[0];
    const body = note?.body.toLowerCase() ?? '';
    for (const c of e.note.contains) if (!body.includes(c.toLowerCase())) f.push(`note lacks "${c}"`);
    for (const c of e.note.notContains) if (body.includes(c.toLowerCase())) f.push(`note says "${c}"`);
    const proposed = note?.proposedActions.map((a) => a.tool) ?? [];
    for (const tool of e.note.proposes) if (!proposed.includes(tool)) f.push(`note does not propose ${tool} (proposes: ${proposed.join(', ') || 'nothing'})`);
    if (note && e.mode && note.mode !== e.mode) f.push(`note in mode ${note.mode}, expected ${e.mode}`);
  }
  if (stateHash(expected) !== stateHash(actual)) f.push(`backend state differs: ${diff(expected, actual).slice(0, 6).join(' | ')}`);
  return f;
}

/** One run of one scenario on a running world. */
export async function runScenario(world: World, s: Scenario, run: number): Promise<RunResult> {
  await world.reset();
  const start = await snapshot(world.stack.acmeDb);
  const expected = applyChanges(start, s.expect.changes);
  for (const fault of s.setup.faults) await world.acme('/admin/faults', { method: 'POST', body: JSON.stringify(fault) });
  for (const sql of s.setup.sql) await world.stack.acmeDb.query(sql);
  const extra: string[] = [];
  const since = new Date();
  const started = performance.now();
  let row: CaseRow | undefined;
  const ticket = world.ticket(s.ticket, s.id.slice(0, 24));
  const caseId = world.caseIdOf(ticket);
  try {
    for (let i = 0; i < s.setup.publishTimes; i++) await world.stack.publish(ticket);
    row = await world.settled(caseId, SETTLED).catch((error: Error) => { extra.push(error.message); return undefined; });
    if (row && s.approval) {
      if (row.status !== 'AWAITING_APPROVAL') extra.push(`expected to wait for approval, but the case is ${row.status}`);
      else {
        const held = await snapshot(world.stack.acmeDb);
        if (stateHash(held) !== stateHash(start)) extra.push(`state changed before approval: ${diff(start, held).join(' | ')}`);
        await world.decide(caseId, s.ticket.tenantId, s.ticket.region, s.approval);
        row = await world.settled(caseId, TERMINAL).catch((error: Error) => { extra.push(error.message); return undefined; });
      }
    }
    // A reply is written in the same transaction as RESOLVED; give the relay and the observer time to see it.
    if (row?.status === 'RESOLVED') await waitUntil(() => (world.replies.get(caseId)?.length ?? 0) > 0, 5_000);
    if (s.expect.note) await waitUntil(() => (world.notes.get(caseId)?.length ?? 0) > 0, 5_000);
    await new Promise((r) => setTimeout(r, s.setup.publishTimes > 1 || row?.status !== 'RESOLVED' ? 400 : 100));
  } finally {
    for (const sql of s.setup.teardownSql) await world.stack.acmeDb.query(sql);
  }
  const ms = performance.now() - started;
  const actual = await snapshot(world.stack.acmeDb);
  const replies = world.replies.get(caseId) ?? [];
  const notes = world.notes.get(caseId) ?? [];
  // Another pipeline on the same broker and databases would make this run's grading meaningless: name it.
  const foreign = await world.gatewayCallsSince(since, caseId);
  if (foreign.length > 0) extra.push(`gateway calls by other cases during this run (another pipeline shares the broker or databases): ${foreign.slice(0, 5).join('; ')}`);
  const failures = grade(s, row, expected, actual, replies, notes, extra);
  return {
    scenario: s.id, intent: s.intent, run, pass: failures.length === 0, failures,
    status: row?.status ?? null, reason: row?.state.escalation?.reason ?? null, breaker: row?.state.escalation?.breaker ?? null,
    expectedHash: stateHash(expected), actualHash: stateHash(actual), reply: replies[0]?.body ?? null,
    note: notes[0] ? { body: notes[0].body, proposes: notes[0].proposedActions.map((a) => a.tool) } : null, ms: Math.round(ms),
    tokens: row?.state.counters.tokens ?? 0, llmCalls: row?.state.counters.llmCalls ?? 0,
  };
}

async function waitUntil(done: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/**
 * Runs every scenario k times, one world (pipeline) per policy, runs interleaved (all scenarios once, then again)
 * so a slow moment of the machine does not hit one scenario's k runs together.
 */
export async function runSuite(options: {
  scenarios: Scenario[]; k: number; model: string; llm: ModelFactory; name: string;
  onRun?: (r: RunResult) => void;
  /** Resolver environment of the deployment under test (e.g. RESOLVER_FREE_LOOP=false for the local model). */
  resolverEnv?: Record<string, string>;
  /** Provider name → kind of the model's LLM policy (triage trusts a model by its kind). */
  providerKinds?: Record<string, string>;
}): Promise<SuiteReport> {
  const t0 = Date.now();
  const runs: RunResult[] = [];
  const byPolicy = new Map<string, Scenario[]>();
  for (const s of options.scenarios) byPolicy.set(s.policy, [...(byPolicy.get(s.policy) ?? []), s]);
  for (const [policy, group] of byPolicy) {
    const world = await World.start(`${options.name}-${policy}`.replace(/[^a-z0-9-]/g, '-'), options.llm(policy), policyYaml(policy), { ...(options.resolverEnv ? { resolverEnv: options.resolverEnv } : {}), ...(options.providerKinds ? { providerKinds: options.providerKinds } : {}) });
    try {
      for (let run = 1; run <= options.k; run++) {
        for (const s of group) {
          const r = await runScenario(world, s, run);
          runs.push(r);
          options.onRun?.(r);
        }
      }
    } finally {
      await world.close();
    }
  }
  return summarise(options.model, options.k, options.scenarios, runs, t0);
}

export function summarise(model: string, k: number, scenarios: Scenario[], runs: RunResult[], t0: number): SuiteReport {
  const summaries: ScenarioSummary[] = scenarios.map((s) => {
    const mine = runs.filter((r) => r.scenario === s.id);
    return { id: s.id, intent: s.intent, title: s.title, policy: s.policy, runs: mine.length, passes: mine.filter((r) => r.pass).length, passK: mine.length === k && mine.every((r) => r.pass) };
  });
  const stats = (ids: Set<string>) => {
    const sc = summaries.filter((x) => ids.has(x.id));
    const rs = runs.filter((r) => ids.has(r.scenario));
    return {
      scenarios: sc.length,
      passAt1: round(rs.length ? rs.filter((r) => r.pass).length / rs.length : 0),
      passK: round(sc.length ? sc.filter((x) => x.passK).length / sc.length : 0),
      p50Ms: percentile(rs.map((r) => r.ms), 50),
      tokensPerCase: Math.round(rs.reduce((n, r) => n + r.tokens, 0) / Math.max(1, rs.length)),
    };
  };
  const intents = [...new Set(scenarios.map((s) => s.intent))];
  return {
    model, k, startedAt: new Date(t0).toISOString(), durationS: Math.round((Date.now() - t0) / 100) / 10,
    scenarios: summaries,
    byIntent: intents.map((intent) => ({ intent, ...stats(new Set(scenarios.filter((s) => s.intent === intent).map((s) => s.id))) })),
    total: stats(new Set(scenarios.map((s) => s.id))),
    runs,
  };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
