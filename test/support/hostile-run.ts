// The hostile-input run behind `npm run eval:hostile` and test/e2e/hostile-input.e2e-spec.ts: generated hostile tickets
// (test/support/hostile-tickets.ts) go to the real ingress over HTTP and straight to tickets.ingress on the real
// broker, with the whole pipeline running (stack.ts: supervisor, agents, gateway, backend; the scripted support model
// is the only double). Every input must end as a 4xx with a reason, a dead letter with a reason, or a case that
// settles; nothing may be accepted and then lost, nothing may crash.
import { randomBytes } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { Kafka, logLevel, type Consumer, type Producer } from 'kafkajs';
import { caseIdFor, DeadLetterSchema, TicketEventSchema, type DeadLetter } from '@switchboard/contracts';
import { ScriptedLlm } from '@switchboard/llm/testing';
import { loadConfig } from '@switchboard/observability';
import { createIngressApp } from '../../apps/ingress/src/ingress.app';
import { IngressConfigSchema } from '../../apps/ingress/src/ingress.config';
import { TEST_KAFKA_BROKERS } from './env';
import { hostileInputs, type HostileInput } from './hostile-tickets';
import { scriptedSupportModel } from './scripted-support-model';
import { startStack, type Stack } from './stack';

const API_KEY = 'hostile-ingress-key-0123456789abcdef';
/** Statuses in which a case has settled: finished, or parked for a human with nothing in flight. */
export const SETTLED = ['RESOLVED', 'FAILED', 'CLOSED', 'ESCALATED', 'AWAITING_APPROVAL'];

/** Where one input ended. */
export interface HostileOutcome {
  channel: 'http' | 'kafka';
  kind: string;
  /** refused: 4xx or dead letter with a reason; settled: its case settled; lost: accepted (or not refused) and no case / a dead letter later; error: 5xx. */
  result: 'refused' | 'settled' | 'unsettled' | 'lost' | 'error';
  reason?: string;
  caseId?: string;
  status?: string;
}

export interface HostileReport {
  seed: number;
  sent: number;
  outcomes: HostileOutcome[];
  /** Uncaught exceptions and unhandled rejections in this process (all services run in it), plus services not ready at the end. */
  crashes: string[];
  failedCases: Array<{ caseId: string; reason: string }>;
  seconds: number;
}

export interface HostileRunOptions {
  count: number;
  seed: number;
  /** Longest wait for accepted cases to settle. */
  settleTimeoutMs?: number;
  /** Supervisor policy (YAML); the scenario suite's autonomous policy sends hostile text through every agent and the gateway. */
  policyYaml?: string;
  log?: (line: string) => void;
}

async function waitUntil(deadline: number, probe: () => Promise<boolean>): Promise<boolean> {
  while (Date.now() < deadline) {
    if (await probe()) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  return probe();
}

/** Runs `count` hostile inputs (half over HTTP, half over Kafka) against a fresh stack and reports where each ended. */
export async function runHostile(options: HostileRunOptions): Promise<HostileReport> {
  const log = options.log ?? (() => undefined);
  const started = Date.now();
  const crashes: string[] = [];
  const onCrash = (error: unknown) => crashes.push(`uncaught: ${(error as Error)?.stack ?? String(error)}`.slice(0, 500));
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);

  const run = randomBytes(3).toString('hex');
  const half = Math.ceil(options.count / 2);
  const httpInputs = hostileInputs(half, options.seed, `HH-${run}`);
  const kafkaInputs = hostileInputs(options.count - half, options.seed + 1, `HK-${run}`);
  const outcomes: HostileOutcome[] = [];

  let stack: Stack | undefined;
  let ingress: INestApplication | undefined;
  let producer: Producer | undefined;
  let dlqConsumer: Consumer | undefined;
  try {
    log(`starting the pipeline (seed ${options.seed}, ${options.count} inputs)…`);
    stack = await startStack({ name: `hostile-${run}`, llm: new ScriptedLlm(scriptedSupportModel()), groupPrefix: 'hostile', ...(options.policyYaml ? { policyYaml: options.policyYaml } : {}) });
    ingress = await createIngressApp(loadConfig(IngressConfigSchema, { KAFKA_BROKERS: TEST_KAFKA_BROKERS.join(','), INGRESS_API_KEYS: API_KEY, LOG_LEVEL: 'error' }));
    await ingress.listen(0, '127.0.0.1');
    const ingressUrl = (await ingress.getUrl()).replace('[::1]', '127.0.0.1');

    const kafka = new Kafka({ clientId: `hostile-${run}`, brokers: TEST_KAFKA_BROKERS, logLevel: logLevel.NOTHING });
    producer = kafka.producer();
    await producer.connect();
    const letters: DeadLetter[] = [];
    dlqConsumer = kafka.consumer({ groupId: `hostile-${run}-dlq`, maxWaitTimeInMs: 200 });
    await dlqConsumer.connect();
    // From the beginning (offsets of a new group resolve lazily, and an early letter must not be missed); this run's
    // letters are told apart by their key (a case id of this run) or their hostile-id header.
    await dlqConsumer.subscribe({ topic: 'tickets.ingress.dlq', fromBeginning: true });
    let assigned = false;
    dlqConsumer.on(dlqConsumer.events.GROUP_JOIN, () => (assigned = true));
    await dlqConsumer.run({ eachMessage: async ({ message }) => void letters.push(DeadLetterSchema.parse(JSON.parse(message.value!.toString('utf8')))) });
    await waitUntil(Date.now() + 30_000, async () => assigned);

    // Over HTTP, a few at a time like a busy client.
    const accepted = new Map<string, HostileOutcome>();
    const postOne = async (input: HostileInput) => {
      const res = await fetch(`${ingressUrl}/tickets`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': API_KEY }, body: input.raw });
      const body = (await res.json().catch(() => ({}))) as { code?: string; message?: string; caseId?: string };
      if (res.status === 202 && body.caseId) {
        const outcome: HostileOutcome = { channel: 'http', kind: input.kind, result: 'unsettled', caseId: body.caseId };
        accepted.set(body.caseId, outcome);
        outcomes.push(outcome);
      } else if (res.status >= 400 && res.status < 500 && body.code && body.message) {
        outcomes.push({ channel: 'http', kind: input.kind, result: 'refused', reason: `${res.status} ${body.code}` });
      } else {
        outcomes.push({ channel: 'http', kind: input.kind, result: 'error', reason: `${res.status} ${body.code ?? ''} ${body.message ?? ''}`.slice(0, 300) });
      }
    };
    for (let i = 0; i < httpInputs.length; i += 8) await Promise.all(httpInputs.slice(i, i + 8).map(postOne));
    log(`HTTP: ${httpInputs.length} sent`);

    // Straight to Kafka, as any producer could; the header lets this run find its own dead letters.
    const kafkaTracked: Array<{ input: HostileInput; id: string; caseId?: string }> = kafkaInputs.map((input, i) => {
      let caseId: string | undefined;
      try {
        const parsed = TicketEventSchema.safeParse(JSON.parse(input.raw.toString('utf8')));
        if (parsed.success) caseId = caseIdFor(parsed.data);
      } catch {
        caseId = undefined;
      }
      return { input, id: `${run}-${i}`, ...(caseId ? { caseId } : {}) };
    });
    // Batches of at most ~400 KB; a record the broker itself refuses (over its max.message.bytes) was never accepted.
    const refusedByBroker = new Map<string, string>();
    let batch: typeof kafkaTracked = [];
    let bytes = 0;
    const flush = async () => {
      if (batch.length === 0) return;
      const sending = batch;
      batch = [];
      bytes = 0;
      try {
        await producer!.send({ topic: 'tickets.ingress', messages: sending.map((t) => ({ value: t.input.raw, headers: { 'hostile-id': t.id } })) });
      } catch (error) {
        if (sending.length > 1) {
          for (const t of sending) {
            batch = [t];
            await flush();
          }
        } else refusedByBroker.set(sending[0]!.id, `broker: ${(error as Error).message}`.slice(0, 120));
      }
    };
    for (const t of kafkaTracked) {
      if (bytes + t.input.raw.length > 400_000) await flush();
      batch.push(t);
      bytes += t.input.raw.length;
    }
    await flush();
    log(`Kafka: ${kafkaTracked.length} sent (${refusedByBroker.size} refused by the broker)`);

    // Settling: every accepted or contract-valid input must become a case that settles; every other one a dead letter.
    const pending = new Set<string>([...accepted.keys(), ...kafkaTracked.flatMap((t) => (t.caseId && !refusedByBroker.has(t.id) ? [t.caseId] : []))]);
    const statuses = new Map<string, string>();
    const deadline = Date.now() + (options.settleTimeoutMs ?? 300_000);
    const kafkaLettered = () => new Set(letters.map((l) => l.headers['hostile-id']).filter(Boolean));
    await waitUntil(deadline, async () => {
      const { rows } = await stack!.db.query<{ case_id: string; status: string }>('SELECT case_id, status FROM supervisor.cases WHERE case_id = ANY($1)', [[...pending]]);
      for (const r of rows) statuses.set(r.case_id, r.status);
      const settled = [...pending].every((id) => SETTLED.includes(statuses.get(id) ?? ''));
      const lettered = kafkaLettered();
      const refusedAll = kafkaTracked.every((t) => t.caseId || lettered.has(t.id) || refusedByBroker.has(t.id));
      return settled && refusedAll;
    });
    log(`settled or timed out after ${Math.round((Date.now() - started) / 1000)} s`);

    const lettered = new Map(letters.filter((l) => l.headers['hostile-id']).map((l) => [l.headers['hostile-id']!, l]));
    const letteredCases = new Set(letters.map((l) => l.key).filter((k): k is string => Boolean(k)));
    for (const outcome of accepted.values()) {
      outcome.status = statuses.get(outcome.caseId!);
      // Accepted with 202 and then dead-lettered (the failure this run exists to catch) is a loss, whatever happened next.
      if (letteredCases.has(outcome.caseId!) || !outcome.status) outcome.result = 'lost';
      else outcome.result = SETTLED.includes(outcome.status) ? 'settled' : 'unsettled';
    }
    for (const t of kafkaTracked) {
      const brokerRefusal = refusedByBroker.get(t.id);
      if (brokerRefusal) {
        outcomes.push({ channel: 'kafka', kind: t.input.kind, result: 'refused', reason: 'KAFKA.MESSAGE_TOO_LARGE (broker)' });
        continue;
      }
      const letter = lettered.get(t.id);
      const status = t.caseId ? statuses.get(t.caseId) : undefined;
      if (letter) {
        outcomes.push({ channel: 'kafka', kind: t.input.kind, result: t.caseId ? 'lost' : letter.reason.code && letter.reason.message ? 'refused' : 'error', reason: letter.reason.code });
      } else if (t.caseId) {
        outcomes.push({ channel: 'kafka', kind: t.input.kind, caseId: t.caseId, ...(status ? { status } : {}), result: !status ? 'lost' : SETTLED.includes(status) ? 'settled' : 'unsettled' });
      } else {
        outcomes.push({ channel: 'kafka', kind: t.input.kind, result: 'lost', reason: 'neither a dead letter nor a case' });
      }
    }

    const failed = [...statuses].filter(([, s]) => s === 'FAILED').map(([id]) => id);
    const { rows: failedRows } = await stack.db.query<{ case_id: string; reason: string }>(
      `SELECT DISTINCT ON (case_id) case_id, reason FROM supervisor.transitions WHERE case_id = ANY($1) AND to_status = 'FAILED' ORDER BY case_id, id DESC`, [failed]);
    for (const [name, url] of [['ingress', ingressUrl], ['supervisor', stack.supervisorUrl]] as const) {
      const ready = await fetch(`${url}/health/ready`).then((r) => r.status, () => 0);
      if (ready !== 200) crashes.push(`${name} not ready at the end (HTTP ${ready})`);
    }
    return { seed: options.seed, sent: options.count, outcomes, crashes, failedCases: failedRows.map((r) => ({ caseId: r.case_id, reason: r.reason })), seconds: Math.round((Date.now() - started) / 1000) };
  } finally {
    process.off('uncaughtException', onCrash);
    process.off('unhandledRejection', onCrash);
    await dlqConsumer?.disconnect().catch(() => undefined);
    await producer?.disconnect().catch(() => undefined);
    await ingress?.close().catch(() => undefined);
    await stack?.close().catch(() => undefined);
  }
}

/** Counts of a report, by channel and by kind, as printed by the evaluation. */
export function summarize(report: HostileReport): { lines: string[]; pass: boolean } {
  const count = (xs: HostileOutcome[], r: HostileOutcome['result']) => xs.filter((o) => o.result === r).length;
  const row = (label: string, xs: HostileOutcome[]) =>
    `${label.padEnd(30)} ${String(xs.length).padStart(5)} ${String(count(xs, 'refused')).padStart(8)} ${String(xs.filter((o) => o.caseId && o.result !== 'lost').length).padStart(9)} ${String(count(xs, 'settled')).padStart(8)} ${String(count(xs, 'unsettled')).padStart(10)} ${String(count(xs, 'lost')).padStart(5)} ${String(count(xs, 'error')).padStart(6)}`;
  const o = report.outcomes;
  const lines = [
    `hostile inputs: ${report.sent} (seed ${report.seed}), ${report.seconds} s`,
    `${'channel / kind'.padEnd(30)} ${'sent'.padStart(5)} ${'refused'.padStart(8)} ${'accepted'.padStart(9)} ${'settled'.padStart(8)} ${'unsettled'.padStart(10)} ${'lost'.padStart(5)} ${'errors'.padStart(6)}`,
    row('all', o), row('  HTTP (4xx / 202)', o.filter((x) => x.channel === 'http')), row('  Kafka (DLQ / case)', o.filter((x) => x.channel === 'kafka')),
  ];
  for (const kind of [...new Set(o.map((x) => x.kind))].sort()) lines.push(row(`  ${kind}`, o.filter((x) => x.kind === kind)));
  const reasons = new Map<string, number>();
  for (const x of o.filter((y) => y.result === 'refused')) reasons.set(x.reason ?? '?', (reasons.get(x.reason ?? '?') ?? 0) + 1);
  lines.push(`refusals by reason: ${[...reasons].sort((a, b) => b[1] - a[1]).map(([r, n]) => `${r} ${n}`).join(', ')}`);
  const statuses = new Map<string, number>();
  for (const x of o.filter((y) => y.status)) statuses.set(x.status!, (statuses.get(x.status!) ?? 0) + 1);
  lines.push(`accepted cases by status: ${[...statuses].sort((a, b) => b[1] - a[1]).map(([s, n]) => `${s} ${n}`).join(', ') || 'none'}`);
  for (const f of report.failedCases) lines.push(`FAILED ${f.caseId}: ${f.reason}`);
  for (const x of o.filter((y) => y.result === 'error' || y.result === 'lost').slice(0, 20)) lines.push(`${x.result.toUpperCase()} ${x.channel} ${x.kind}: ${x.reason ?? x.caseId ?? ''} ${x.status ?? ''}`);
  lines.push(`crashes: ${report.crashes.length}${report.crashes.length ? ` (${report.crashes.slice(0, 3).join(' | ')})` : ''}`);
  const pass = report.crashes.length === 0 && o.every((x) => x.result === 'refused' || x.result === 'settled');
  lines.push(`verdict: ${pass ? 'PASS' : 'FAIL'}: ${count(o, 'refused') + count(o, 'settled')}/${o.length} refused with a reason or settled as a case; ${count(o, 'lost')} lost, ${count(o, 'error')} server errors, ${count(o, 'unsettled')} unsettled, ${report.crashes.length} crashes`);
  return { lines, pass };
}
