// Real: Kafka, Postgres, the helpdesk connector as a child process (SIGKILLed and restarted), the reference Zendesk
// over HTTP (in this process, with latency so kills land mid-call). What the supervisor would emit is published by the
// test. The claim: however the connector dies, every ticket ends with exactly one public reply (and each escalation
// with exactly one handoff note) — 0 duplicates, 0 missing.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DeliveryStatus } from '@switchboard/contracts';
import { configureLogging } from '@switchboard/observability';
import { freePort } from '../../supervisor/test/support/supervisor-process';
import { waitFor } from '../../supervisor/test/support/scripted-agents';
import { deliveryIdFor } from '../src/delivery/delivery-id';
import { HELPDESK_TOPICS } from '../src/helpdesk.handler';
import { HelpdeskDb, helpdeskEnv, primeGroupAtEnd, Publisher, RawRecorder, runId, ticketEvent, ZD } from './support/harness';
import { HelpdeskProcess } from './support/helpdesk-process';
import { ReferenceZendesk, type RefTicket } from './support/reference-zendesk';

jest.setTimeout(600_000);

const REPLIES = 200;
const ESCALATIONS = 40;
const run = runId();
const tenant = `hd-crash-${run}`;
const zendesk = new ReferenceZendesk({ email: ZD.email, apiToken: ZD.token });
const publisher = new Publisher();
const recorder = new RawRecorder(`hd-crash-recorder-${run}`, ['tickets.deliveries', 'tickets.replies.dlq', 'tickets.outcomes.dlq']);
const db = new HelpdeskDb();
let connector: HelpdeskProcess;

beforeAll(async () => {
  configureLogging({ level: 'error' });
  await Promise.all([zendesk.start(), publisher.start()]);
  await recorder.start();
  const groupId = `hd-crash-${run}`;
  await primeGroupAtEnd(groupId, HELPDESK_TOPICS);
  const routingFile = join(mkdtempSync(join(tmpdir(), 'hd-crash-')), 'routing.yaml');
  writeFileSync(routingFile, 'version: 1\nescalation: { default: { group: 100, tags: [switchboard_escalated] } }\n');
  connector = new HelpdeskProcess(helpdeskEnv(groupId, zendesk.url, {
    HELPDESK_ROUTING_FILE: routingFile, HELPDESK_CONCURRENCY: '4', LOG_LEVEL: 'error',
    // Kills must not use up the retries of messages that were in flight; a dead member's partitions move on quickly.
    BUS_MAX_ATTEMPTS: '20', BUS_SESSION_TIMEOUT_MS: '6000', BUS_HEARTBEAT_INTERVAL_MS: '1000',
  }), await freePort());
}, 120_000);

afterAll(async () => {
  await connector?.kill();
  await Promise.all([recorder.stop(), publisher.stop(), zendesk.stop(), db.end()]);
});

it(`delivers ${REPLIES} replies and ${ESCALATIONS} escalations exactly once while the connector is SIGKILLed at random points`, async () => {
  // Every call is slow enough for kills to land inside it: 40 ms before Zendesk applies an update, 80 ms after.
  zendesk.setLatency({ beforeMs: 40, afterApplyMs: 80 });
  const replies: Array<{ z: RefTicket; caseId: string }> = [];
  const escalations: Array<{ z: RefTicket; caseId: string }> = [];
  for (let i = 0; i < REPLIES + ESCALATIONS; i++) {
    const z = zendesk.createTicket({ subject: `Ticket ${i}`, description: 'Blank dashboard', requester: { email: `user${i}@example.com` }, organization: tenant });
    const t = ticketEvent(tenant, String(z.id), { requester: { email: `user${i}@example.com` } });
    const caseId = await publisher.ticket(t);
    if (i < REPLIES) {
      replies.push({ z, caseId });
      await publisher.send('tickets.replies', publisher.envelope('tickets.replies', t, { source: 'zendesk', externalId: t.externalId, to: t.requester.email, subject: 'Re', body: `Fixed #${i}.`, evidenceCount: 1, run: 1 }));
    } else {
      escalations.push({ z, caseId });
      await publisher.send('tickets.outcomes', publisher.envelope('tickets.outcomes', t, {
        status: 'ESCALATED', mode: 'autonomous', intent: 'refund', reason: 'needs a human', summary: 'Refund', verified: false, ticket: { source: 'zendesk', externalId: t.externalId }, run: 1,
        handoff: { reason: 'needs a human', asked: `Refund #${i}`, findings: [], tried: [], counters: {} },
      }));
    }
  }
  const all = [...replies, ...escalations];
  const delivered = async () => {
    const { rows } = await db.pool.query(`SELECT count(*)::int AS n FROM helpdesk.deliveries WHERE case_id = ANY($1) AND status = 'delivered'`, [all.map((c) => c.caseId)]);
    return rows[0].n as number;
  };

  // First, one kill exactly between "Zendesk applied the update" and "the connector recorded it".
  const target = replies[0]!;
  const hold = zendesk.holdNextUpdate(target.z.id);
  await connector.start();
  await hold.applied;
  expect(zendesk.agentComments(target.z.id)).toHaveLength(1);
  await connector.kill();
  hold.release();
  await connector.start();

  // Then kills wherever the process happens to be, as soon as it made progress since the last start. The number of
  // kills must not depend on how fast this machine is: the loop stops on the kill count, and only runs out of work
  // early if the connector finishes everything between two kills (which the assertion below would then report).
  for (let kill = 0; kill < 8; kill++) {
    const before = await delivered();
    if (before >= all.length - 5) break;
    await waitFor('progress since the last restart', async () => (await delivered()) > before, 90_000);
    await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 400)));
    await connector.restart();
  }
  await waitFor(`all ${all.length} deliveries`, async () => (await delivered()) === all.length, 180_000);

  const publicReplies = replies.map((c) => zendesk.agentComments(c.z.id).filter((x) => x.public).length);
  const handoffNotes = escalations.map((c) => zendesk.agentComments(c.z.id).filter((x) => !x.public).length);
  const duplicates = publicReplies.filter((n) => n > 1).length + handoffNotes.filter((n) => n > 1).length;
  const missing = publicReplies.filter((n) => n === 0).length + handoffNotes.filter((n) => n === 0).length;
  const statuses = recorder.records.filter((r) => r.topic === 'tickets.deliveries').map((r) => r.value['payload'] as DeliveryStatus);
  const recovered = statuses.filter((s) => s.recovered).length;
  process.stdout.write(`helpdesk crash test: ${connector.kills} SIGKILLs, ${all.length} deliveries, ${duplicates} duplicates, ${missing} missing, ${recovered} found on the ticket after a kill (not re-sent)\n`);

  expect({ duplicates, missing }).toEqual({ duplicates: 0, missing: 0 });
  expect(publicReplies.every((n) => n === 1)).toBe(true);
  expect(handoffNotes.every((n) => n === 1)).toBe(true);
  expect(escalations.every((c) => zendesk.agentComments(c.z.id).every((x) => !x.public))).toBe(true);
  expect(connector.kills).toBeGreaterThanOrEqual(5);
  // The targeted kill: the update was on the ticket, so the restarted connector found its marker and did not resend.
  const targetId = deliveryIdFor(target.caseId, 1, 'reply');
  const statusesNow = () => recorder.records.filter((r) => r.topic === 'tickets.deliveries').map((r) => r.value['payload'] as DeliveryStatus);
  expect(await waitFor('the held delivery reported', () => statusesNow().find((s) => s.deliveryId === targetId), 60_000)).toMatchObject({ status: 'delivered', recovered: true });
  // Every delivery reported delivered to the case (one status per delivery; repeats share the envelope id).
  await waitFor('a delivered status for every delivery', () => new Set(recorder.records.filter((r) => r.topic === 'tickets.deliveries' && (r.value['payload'] as DeliveryStatus).status === 'delivered'
    && all.some((c) => c.caseId === r.value['caseId'])).map((r) => r.value['caseId'])).size === all.length, 60_000);
  expect(recorder.records.filter((r) => r.topic.endsWith('.dlq') && all.some((c) => c.caseId === r.key))).toEqual([]);
});
