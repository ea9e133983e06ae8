// The chaos benchmark (`npm run chaos`): a deployment as processes — two replicas of the supervisor and of each agent,
// the gateway and the reference backend — works ≥ 500 tickets while processes are SIGKILLed at random and restarted,
// the Kafka broker is restarted once and Postgres is unreachable for a minute (staged with a TCP proxy in front of it;
// the shared server keeps running). Then it counts, from the databases and the topics: cases lost, duplicate backend
// writes, duplicate replies, cases terminal, and every FAILED case with its reason. The model is the scripted support
// model (a named test double); everything else is the built services on the real broker and Postgres.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { Pool } from 'pg';
import { BusConfigSchema, KafkaBus } from '@switchboard/bus';
import { caseIdFor, TOPICS, type TicketEventInput } from '@switchboard/contracts';
import { DEFAULT_EMBEDDINGS_DIR, KnowledgeIngestor, OnnxMiniLmEmbedder, PgVectorStore, runMemoryMigrations } from '@switchboard/memory';
import { loadConfig } from '@switchboard/observability';
import { migrateAll } from '@switchboard/store';
import { seedAcme } from '../../apps/acme-backend/src/seed';
import { atLeast, atMost, info, printFigures, type Figure } from '../bench/support/figures';
import { policyYaml } from '../scenarios/support/scenario';
import { TcpProxy } from '../support/tcp-proxy';
import { deploymentSpecs } from './support/deployment';
import { ROOT, ServiceProcess, waitReady } from './support/fleet';

export interface ChaosOptions {
  brokers: string;
  databaseUrl: string;
  acmeDatabaseUrl: string;
  cases: number;
  /** Tickets published per second. */
  rate: number;
  /** Random SIGKILLs during the run (each victim restarted 1–4 s later). */
  kills: number;
  pgOutageSeconds: number;
  brokerRestart: boolean;
}

const TERMINAL = ['RESOLVED', 'ESCALATED', 'FAILED', 'CLOSED'];
/** acme.events kinds that are backend writes. */
const WRITE_KINDS = ['cache.reset', 'trial.extended', 'refund.issued', 'user.unlocked', 'feature_flag.changed'];
/** Cases are done when all are terminal, or nothing changed for this long after the last chaos event. */
const STALL_MS = 120_000;

/**
 * The ticket mix, in turn: a blank dashboard after a flag change (the cache reset procedure: a write), a trial extension
 * (a write), two how-to questions. Write tickets each get a tenant of their own, seeded in the state the ticket describes
 * (see {@link seedChaosTenants}), so every case has real work to do and no two cases race on one tenant's cache.
 */
const TICKETS: Array<{ kind: 'dashboard' | 'trial' | 'howto'; subject: string; body: string }> = [
  { kind: 'dashboard', subject: 'Dashboard is blank', body: 'Since the new-dashboard feature flag was switched on yesterday our dashboard shows a blank page.' },
  { kind: 'trial', subject: 'More time please', body: 'Our trial ends soon and the team needs two more weeks to evaluate, can you extend the trial?' },
  { kind: 'howto', subject: 'Inviting people', body: 'How do I invite a new member to our workspace?' },
  { kind: 'howto', subject: 'Inviting people', body: 'How can I invite a colleague to our workspace?' },
  { kind: 'dashboard', subject: 'Dashboard is blank', body: 'Our dashboard has been a blank page since the new-dashboard feature flag was switched on.' },
];

/** Tenants `chaos-<i>` for the write tickets: a stale cache after a recent flag change, or a running, unextended trial. */
async function seedChaosTenants(acmeDb: Pool, cases: number): Promise<void> {
  const dashboards: number[] = [];
  const trials: number[] = [];
  for (let i = 0; i < cases; i++) {
    const kind = TICKETS[i % TICKETS.length]!.kind;
    if (kind === 'dashboard') dashboards.push(i);
    if (kind === 'trial') trials.push(i);
  }
  await acmeDb.query(`INSERT INTO acme.tenants (id, name, region, plan, status, created_at)
    SELECT 'chaos-' || i, 'Chaos ' || i, 'us-east-1', 'enterprise', 'active', now() - interval '400 days' FROM unnest($1::int[]) i
    UNION ALL SELECT 'chaos-' || i, 'Chaos ' || i, 'us-east-1', 'trial', 'active', now() - interval '12 days' FROM unnest($2::int[]) i`, [dashboards, trials]);
  await acmeDb.query(`INSERT INTO acme.feature_flags (tenant_id, flag, enabled, updated_at)
    SELECT 'chaos-' || i, 'new-dashboard', true, now() - interval '2 hours' FROM unnest($1::int[]) i
    UNION ALL SELECT 'chaos-' || i, 'sso', true, now() - interval '90 days' FROM unnest($1::int[]) i
    UNION ALL SELECT 'chaos-' || i, 'new-dashboard', false, now() - interval '90 days' FROM unnest($2::int[]) i`, [dashboards, trials]);
  await acmeDb.query(`INSERT INTO acme.tenant_cache (tenant_id, status, version, last_reset_at, stale_since)
    SELECT 'chaos-' || i, 'stale', 41, now() - interval '9 days', now() - interval '2 hours' FROM unnest($1::int[]) i
    UNION ALL SELECT 'chaos-' || i, 'fresh', 3, now() - interval '1 day', NULL FROM unnest($2::int[]) i`, [dashboards, trials]);
  await acmeDb.query(`INSERT INTO acme.subscriptions (tenant_id, plan, status, renews_on)
    SELECT 'chaos-' || i, 'enterprise', 'active', current_date + 35 FROM unnest($1::int[]) i`, [dashboards]);
  await acmeDb.query(`INSERT INTO acme.trials (tenant_id, started_on, ends_on, converted, extensions, last_extension_days)
    SELECT 'chaos-' || i, current_date - 12, current_date + 2, false, 0, NULL FROM unnest($1::int[]) i`, [trials]);
  await acmeDb.query(`INSERT INTO acme.events (tenant_id, at, kind, detail)
    SELECT 'chaos-' || i, now() - interval '2 hours', 'feature_flag.changed', '{"flag":"new-dashboard","enabled":true}'::jsonb FROM unnest($1::int[]) i
    UNION ALL SELECT 'chaos-' || i, now() - interval '2 hours', 'cache.invalidated', '{"cause":"feature_flag.changed"}'::jsonb FROM unnest($1::int[]) i`, [dashboards]);
}

interface ChaosEvent {
  at: number;
  what: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function kafkaPort(brokers: string): number {
  return Number(brokers.split(',')[0]!.split(':')[1]);
}

/**
 * Restarts the broker on `port` (SIGTERM, then `scripts/infra up` with that KAFKA_PORT). Refuses the default port
 * 9092, the developer broker other people use, unless CHAOS_BROKER_RESTART=force.
 */
async function restartBroker(port: number): Promise<number> {
  if (port === 9092 && process.env.CHAOS_BROKER_RESTART !== 'force') throw new Error('refusing to restart the broker on 9092 (shared); run the benchmark on a broker of its own (TEST_KAFKA_BROKERS) or set CHAOS_BROKER_RESTART=force');
  const cache = process.env.SWITCHBOARD_CACHE ?? join(process.env.HOME ?? '', '.cache', 'switchboard');
  const pid = Number(readFileSync(join(cache, 'run', `kafka-${port}`, 'broker.pid'), 'utf8').trim());
  const t0 = Date.now();
  process.kill(pid, 'SIGTERM');
  while (Date.now() - t0 < 60_000) {
    try {
      process.kill(pid, 0);
      await sleep(200);
    } catch {
      break;
    }
  }
  const up = spawnSync('bash', [join(ROOT, 'scripts', 'infra'), 'up'], { env: { ...process.env, KAFKA_PORT: String(port) }, encoding: 'utf8', timeout: 120_000 });
  if (up.status !== 0) throw new Error(`broker did not come back: ${up.stderr}`);
  return Date.now() - t0;
}

/**
 * Fresh databases for one run (named after the test databases, so still "test"), so nothing another run or suite
 * left behind is picked up by this run's supervisors and every count is this run's alone. Dropped at the end.
 */
async function freshDatabases(mainUrl: string, acmeUrl: string, stamp: string): Promise<{ main: string; acme: string; drop: () => Promise<void> }> {
  const named = (url: string, suffix: string) => {
    const u = new URL(url);
    u.pathname = `/${u.pathname.slice(1)}_chaos_${stamp}${suffix}`;
    return u.toString();
  };
  const main = named(mainUrl, '');
  const acme = named(acmeUrl, '');
  const admin = new Pool({ connectionString: mainUrl, max: 1 });
  for (const url of [main, acme]) await admin.query(`CREATE DATABASE "${new URL(url).pathname.slice(1)}"`);
  await migrateAll({ root: ROOT, databaseUrl: main, acmeDatabaseUrl: acme });
  return {
    main, acme,
    async drop() {
      for (const url of [main, acme]) await admin.query(`DROP DATABASE IF EXISTS "${new URL(url).pathname.slice(1)}" WITH (FORCE)`).catch(() => undefined);
      await admin.end();
    },
  };
}

function urlVia(url: string, proxy: TcpProxy): string {
  const u = new URL(url);
  u.hostname = '127.0.0.1';
  u.port = String(proxy.port);
  return u.toString();
}

export async function chaosRun(o: ChaosOptions): Promise<boolean> {
  const stamp = Date.now().toString(36);
  const prefix = `chaos-${stamp}`;
  const logRoot = join(ROOT, 'test-output', 'chaos', `run-${stamp}`);
  const collection = `chaos_${stamp}`;
  const databases = await freshDatabases(o.databaseUrl, o.acmeDatabaseUrl, stamp);
  const db = new Pool({ connectionString: databases.main, max: 3 });
  const acmeDb = new Pool({ connectionString: databases.acme, max: 2 });
  const target = new URL(databases.main);
  const pgProxy = await TcpProxy.start(`${target.hostname}:${target.port || 5432}`);
  const policyFile = join(logRoot, 'policy.yaml');
  const events: ChaosEvent[] = [];
  let fleet: ServiceProcess[] = [];
  let observer: Consumer | undefined;
  const publisher = new KafkaBus(loadConfig(BusConfigSchema, { KAFKA_BROKERS: o.brokers, KAFKA_TOPIC_PREFIX: prefix }), 'chaos-publisher');
  const t0 = Date.now();
  const at = () => Math.round((Date.now() - t0) / 100) / 10;
  const log = (what: string) => {
    events.push({ at: at(), what });
    console.log(`  [${at().toFixed(1).padStart(6)} s] ${what}`);
  };
  try {
    // Setup with direct connections: the backend's seed, the knowledge base for retrieval (the MiniLM model it runs).
    await seedAcme(acmeDb);
    await seedChaosTenants(acmeDb, o.cases);
    await runMemoryMigrations(db);
    const embedder = await OnnxMiniLmEmbedder.create(process.env.MEMORY_EMBEDDINGS_DIR ?? DEFAULT_EMBEDDINGS_DIR, { threads: 1 });
    await new KnowledgeIngestor(new PgVectorStore(db), embedder, { collection }).ingestDirectory(join(ROOT, 'data', 'kb'));
    mkdirSync(logRoot, { recursive: true });
    // Every intent autonomous (the scenario suite's policy) with the shipped step deadline and retry backoff (120 s,
    // 2 s doubling) instead of the suite's 30 s and 200 ms: after the Postgres outage a backlog of hundreds of cases
    // goes through at once, and a deadline tuned for fast tests would time out (and re-run) steps that are merely queued.
    writeFileSync(policyFile, policyYaml('autonomous')
      .replace(/stepTimeoutMs: \d+/, 'stepTimeoutMs: 120000')
      .replace(/retry: \{[^}]*\}/, 'retry: { maxAttempts: 3, baseMs: 2000, factor: 2 }'));
    // The gateway's per-tenant rate limits (e.g. 10 cache resets, then one per 5 s) would escalate most of 500 cases
    // on three tenants in two minutes: the benchmark measures crash safety, so its catalog lifts them.
    const catalogFile = join(logRoot, 'acme.tools.yaml');
    writeFileSync(catalogFile, readFileSync(join(ROOT, 'apps', 'gateway', 'catalog', 'acme.tools.yaml'), 'utf8')
      .replace(/rateLimit: \{ capacity: [\d.]+, refillPerSecond: [\d.]+ \}/g, 'rateLimit: { capacity: 100000, refillPerSecond: 10000 }'));

    // Switchboard's Postgres (supervisor, gateway, retrieval) is reached through the proxy that stages its outage; the
    // reference backend stands for the company's own system, whose database is not Switchboard's, so it goes direct.
    const specs = await deploymentSpecs({
      brokers: o.brokers, prefix, databaseUrl: urlVia(databases.main, pgProxy), acmeDatabaseUrl: databases.acme,
      replicas: 2, agents: 'scripted', withIngress: false, policyFile, memoryCollection: collection,
      env: { supervisor: { SUPERVISOR_SCAN_INTERVAL_MS: '500' }, gateway: { GATEWAY_CATALOG_PATH: catalogFile } },
    });
    fleet = specs.map((spec) => new ServiceProcess(spec, logRoot));
    // Like compose's restart policy or a Kubernetes Deployment: a process that exits (a crash, or a start that gave
    // up while a dependency was down) is started again; each such exit is counted below.
    fleet.forEach((s) => (s.supervise = true));
    console.log(`chaos run ${stamp}: ${fleet.length} processes (${specs.map((s) => s.name).join(', ')}), topic prefix ${prefix}; logs in ${logRoot}`);
    fleet.forEach((s) => s.start());
    const started = await waitReady(fleet, 180_000);
    if (started.failed.size > 0) throw new Error(`services did not start: ${[...started.failed].map(([n, w]) => `${n}: ${w}`).join('; ')}`);
    log(`all ${fleet.length} processes ready`);

    // What customers and the helpdesk see: replies and outcomes, read from the beginning of this run's topics.
    const replies = new Map<string, string[]>();
    const outcomes = new Map<string, number>();
    observer = new Kafka({ clientId: 'chaos-observer', brokers: o.brokers.split(','), logLevel: logLevel.NOTHING }).consumer({ groupId: `chaos-observer-${stamp}`, maxWaitTimeInMs: 200 });
    await observer.connect();
    await observer.subscribe({ topics: [`${prefix}.${TOPICS.ticketsReplies}`, `${prefix}.${TOPICS.ticketsOutcomes}`], fromBeginning: true });
    await observer.run({
      eachMessage: async ({ topic, message }) => {
        const envelope = JSON.parse(message.value!.toString()) as { id: string; caseId: string };
        if (topic.endsWith(TOPICS.ticketsReplies)) replies.set(envelope.caseId, [...(replies.get(envelope.caseId) ?? []), envelope.id]);
        else outcomes.set(envelope.caseId, (outcomes.get(envelope.caseId) ?? 0) + 1);
      },
    });
    await publisher.connect();

    // The chaos: random SIGKILLs over the publishing window and a while after, one broker restart, one Postgres outage.
    const publishMs = (o.cases / o.rate) * 1000;
    const chaosEnd = publishMs + 30_000;
    const brokerAt = Math.min(25_000, publishMs * 0.25);
    const pgAt = Math.max(brokerAt + 45_000, publishMs * 0.5);
    const killTimes = Array.from({ length: o.kills }, () => 5_000 + Math.random() * (chaosEnd - 5_000)).sort((a, b) => a - b);
    // Each action at its own time from the first ticket: kills also land during the broker restart and the outage.
    const tRun = Date.now();
    const dying = new Set<ServiceProcess>();
    const actions: Array<[number, () => Promise<void>]> = killTimes.map((t) => [t, async () => {
      const up = fleet.filter((s) => s.running && !dying.has(s));
      const victim = up[Math.floor(Math.random() * up.length)];
      if (!victim) return;
      dying.add(victim);
      await victim.kill();
      const downMs = 1_000 + Math.round(Math.random() * 3_000);
      log(`SIGKILL ${victim.spec.name}; restart in ${(downMs / 1000).toFixed(1)} s`);
      await sleep(downMs);
      dying.delete(victim);
      victim.start();
    }]);
    if (o.brokerRestart) actions.push([brokerAt, async () => {
      log('Kafka broker: stopping');
      const ms = await restartBroker(kafkaPort(o.brokers));
      log(`Kafka broker: back after ${(ms / 1000).toFixed(1)} s`);
    }]);
    if (o.pgOutageSeconds > 0) actions.push([pgAt, async () => {
      log(`Postgres unreachable for ${o.pgOutageSeconds} s (connections reset, new ones refused)`);
      await pgProxy.down();
      await sleep(o.pgOutageSeconds * 1000);
      await pgProxy.up();
      log('Postgres reachable again');
    }]);
    let chaosDone = false;
    const chaos = Promise.all(actions.map(async ([when, act]) => {
      await sleep(Math.max(0, when - (Date.now() - tRun)));
      await act();
    })).then(() => void (chaosDone = true));

    // Open-loop publishing; a ticket the broker does not take (it is restarting) is sent again until it is acked.
    const caseIds: string[] = [];
    let publishRetries = 0;
    const publishing: Array<Promise<void>> = [];
    for (let i = 0; i < o.cases; i++) {
      const wait = tRun + (i * 1000) / o.rate - Date.now();
      if (wait > 0) await sleep(wait);
      const template = TICKETS[i % TICKETS.length]!;
      const tenantId = template.kind === 'howto' ? 'globex' : `chaos-${i}`;
      const ticket: TicketEventInput = {
        externalId: `CHAOS-${stamp}-${i}`, source: 'api', tenantId, region: 'us-east-1', subject: template.subject, body: template.body,
        requester: { email: `ops@${tenantId}.example` }, receivedAt: new Date().toISOString(),
      } as TicketEventInput;
      caseIds.push(caseIdFor(ticket));
      publishing.push((async () => {
        for (;;) {
          try {
            await publisher.publishTicket(ticket);
            return;
          } catch {
            publishRetries++;
            await sleep(1_000);
          }
        }
      })());
    }
    await Promise.all(publishing);
    log(`${o.cases} tickets published (${publishRetries} publish attempts repeated while the broker was away)`);

    // Wait for every case to settle, or for progress to stop after the chaos is over.
    const terminalCount = async () => (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM supervisor.cases WHERE case_id = ANY($1) AND status = ANY($2)', [caseIds, TERMINAL])).rows[0]!.n;
    let last = -1;
    let lastChange = Date.now();
    for (;;) {
      const n = await terminalCount().catch(() => last);
      if (n !== last) [last, lastChange] = [n, Date.now()];
      if (n === caseIds.length && chaosDone) break;
      if (chaosDone && Date.now() - lastChange > STALL_MS) break;
      await sleep(1_000);
    }
    await chaos;
    log(`${last}/${caseIds.length} cases terminal`);
    await sleep(3_000); // the last replies and outcomes reach the observer

    return await report({ o, db, acmeDb, caseIds, replies, outcomes, fleet, events, t0, prefix, publishRetries });
  } finally {
    await observer?.disconnect().catch(() => undefined);
    await Promise.all(fleet.map((s) => s.stop().catch(() => undefined)));
    fleet.forEach((s) => s.close());
    await pgProxy.close();
    await cleanupTopics(o.brokers, prefix);
    await publisher.disconnect().catch(() => undefined);
    await db.end();
    await acmeDb.end();
    if (process.env.CHAOS_KEEP_DATABASES === '1') console.log(`databases kept: ${databases.main} ${databases.acme}`);
    else await databases.drop();
  }
}

async function deadLetters(brokers: string, prefix: string): Promise<Map<string, number>> {
  const kafka = new Kafka({ clientId: 'chaos-dlq', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const topics = (await admin.listTopics()).filter((t) => t.startsWith(`${prefix}.`) && t.endsWith('.dlq'));
  const counts = new Map<string, number>();
  let expected = 0;
  for (const topic of topics) for (const p of await admin.fetchTopicOffsets(topic)) expected += Number(p.high);
  await admin.disconnect();
  if (expected === 0) return counts;
  const consumer = kafka.consumer({ groupId: `chaos-dlq-${Date.now().toString(36)}`, maxWaitTimeInMs: 200 });
  let seen = 0;
  await consumer.connect();
  await consumer.subscribe({ topics, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ topic, message }) => {
      seen++;
      const letter = JSON.parse(message.value!.toString()) as { reason: { code: string; message: string } };
      const key = `${topic.slice(prefix.length + 1)}: ${letter.reason.code}: ${letter.reason.message.slice(0, 120)}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    },
  });
  const deadline = Date.now() + 30_000;
  while (seen < expected && Date.now() < deadline) await sleep(200);
  await consumer.disconnect();
  return counts;
}

async function cleanupTopics(brokers: string, prefix: string): Promise<void> {
  const admin = new Kafka({ clientId: 'chaos-cleanup', brokers: brokers.split(','), logLevel: logLevel.NOTHING }).admin();
  try {
    await admin.connect();
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(`${prefix}.`));
    if (topics.length > 0) await admin.deleteTopics({ topics });
  } catch {
    // best effort: a later run uses a new prefix anyway
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

async function report(r: {
  o: ChaosOptions; db: Pool; acmeDb: Pool; caseIds: string[]; replies: Map<string, string[]>; outcomes: Map<string, number>;
  fleet: ServiceProcess[]; events: ChaosEvent[]; t0: number; prefix: string; publishRetries: number;
}): Promise<boolean> {
  const { db, acmeDb, caseIds } = r;
  const { rows: statuses } = await db.query<{ status: string; n: number }>('SELECT status, count(*)::int AS n FROM supervisor.cases WHERE case_id = ANY($1) GROUP BY status ORDER BY status', [caseIds]);
  const count = (s: string) => statuses.find((x) => x.status === s)?.n ?? 0;
  const terminal = statuses.filter((s) => TERMINAL.includes(s.status)).reduce((a, s) => a + s.n, 0);
  const lost = caseIds.length - terminal;
  const reasonsOf = async (status: string) => (await db.query<{ reason: string; n: number }>(
    `SELECT left(t.reason, 140) AS reason, count(*)::int AS n FROM supervisor.cases c
       JOIN LATERAL (SELECT reason FROM supervisor.transitions WHERE case_id = c.case_id AND to_status = $2 ORDER BY id DESC LIMIT 1) t ON true
      WHERE c.case_id = ANY($1) AND c.status = $2 GROUP BY 1 ORDER BY 2 DESC`, [caseIds, status])).rows;
  const failed = await reasonsOf('FAILED');
  const escalated = await reasonsOf('ESCALATED');
  const { rows: stuck } = await db.query<{ status: string; n: number }>('SELECT status, count(*)::int AS n FROM supervisor.cases WHERE case_id = ANY($1) AND NOT (status = ANY($2)) GROUP BY status', [caseIds, TERMINAL]);
  const missing = caseIds.length - statuses.reduce((a, s) => a + s.n, 0);

  // Backend writes: the same logical write (case, tool, arguments) done under two gateway keys, and backend executions
  // beyond one per key the backend stored (acme keeps one row per Idempotency-Key it executed).
  const { rows: [dupLogical] } = await db.query<{ n: number }>(
    `SELECT coalesce(sum(n - 1), 0)::int AS n FROM (SELECT count(*) AS n FROM gateway.write_ledger WHERE case_id = ANY($1) AND status = 'done'
       GROUP BY case_id, tool, arguments_hash HAVING count(*) > 1) d`, [caseIds]);
  const since = new Date(r.t0);
  const { rows: [effects] } = await acmeDb.query<{ n: number }>('SELECT count(*)::int AS n FROM acme.events WHERE at >= $1 AND kind = ANY($2)', [since, WRITE_KINDS]);
  const { rows: [keys] } = await acmeDb.query<{ n: number }>('SELECT count(*)::int AS n FROM acme.idempotency_keys WHERE created_at >= $1', [since]);
  const { rows: [ledgerDone] } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM gateway.write_ledger WHERE case_id = ANY($1) AND status = 'done' AND http_status BETWEEN 200 AND 299`, [caseIds]);
  const executionsBeyondKeys = Math.max(0, effects!.n - keys!.n);
  const duplicateWrites = dupLogical!.n + executionsBeyondKeys;

  // Replies: a second distinct reply to one case is a duplicate the customer would see; the same reply (same id)
  // delivered twice is absorbed by any consumer that keeps a ledger, and counted apart.
  const run = new Set(caseIds);
  let duplicateReplies = 0;
  let redelivered = 0;
  for (const [caseId, ids] of r.replies) {
    if (!run.has(caseId)) continue;
    duplicateReplies += new Set(ids).size - 1;
    redelivered += ids.length - new Set(ids).size;
  }
  const resolvedWithoutReply = (await db.query<{ case_id: string }>(`SELECT case_id FROM supervisor.cases WHERE case_id = ANY($1) AND status = 'RESOLVED'`, [caseIds])).rows.filter((c) => !r.replies.has(c.case_id)).length;
  const dlq = await deadLetters(r.o.brokers, r.prefix);
  const kills = r.events.filter((e) => e.what.startsWith('SIGKILL')).length;
  const exits = r.fleet.flatMap((s) => s.unexpectedExits.map((x) => ({ name: s.spec.name, line: `${s.spec.name}: exit ${x.code ?? x.signal}: ${x.lastLine.slice(0, 160)}` })));
  // A start that gave up with its one-line reason (Postgres was away) is the documented behaviour; anything else is a crash.
  const gaveUp = exits.filter((x) => / failed to start: /.test(x.line));
  const crashes = exits.filter((x) => !/ failed to start: /.test(x.line)).map((x) => x.line);

  const figures: Figure[] = [
    info('cases published', caseIds.length, 'cases'),
    info(`chaos: ${kills} SIGKILLs (restarted 1–4 s later), ${r.o.brokerRestart ? 'one broker restart' : 'no broker restart'}, Postgres unreachable ${r.o.pgOutageSeconds} s`, NaN, ''),
    atMost('lost (no case, or not terminal at the end)', lost, 'cases', 0),
    ...(missing > 0 ? [info(`  of which no case at all`, missing, 'cases')] : []),
    ...stuck.map((s) => info(`  of which stuck in ${s.status}`, s.n, 'cases')),
    atLeast('cases terminal', (100 * terminal) / caseIds.length, '%', 100),
    atMost('duplicate backend writes', duplicateWrites, 'writes', 0),
    info(`  backend writes executed ${effects!.n}, gateway writes done ${ledgerDone!.n}, backend idempotency keys ${keys!.n}`, NaN, ''),
    atMost('duplicate replies (a second, different reply to a case)', duplicateReplies, 'replies', 0),
    info('  the same reply delivered again (same id; a consumer ledger drops it)', redelivered, 'records'),
    info('  resolved cases whose reply the observer did not see', resolvedWithoutReply, 'cases'),
    info('terminal cases whose outcome the observer did not see on tickets.outcomes', caseIds.filter((c) => !r.outcomes.has(c)).length - lost, 'cases'),
    info('RESOLVED', count('RESOLVED'), 'cases'),
    info('ESCALATED', count('ESCALATED'), 'cases'),
    ...escalated.map((e) => info(`  ${e.reason}`, e.n, 'cases')),
    info('FAILED', count('FAILED'), 'cases'),
    ...failed.map((f) => info(`  ${f.reason}`, f.n, 'cases')),
    info('dead letters', [...dlq.values()].reduce((a, b) => a + b, 0), 'records'),
    ...[...dlq].map(([k, n]) => info(`  ${k}`, n, 'records')),
    atMost('service crashes (exits nobody caused, other than a start that gave up)', crashes.length, 'exits', 0),
    ...crashes.slice(0, 10).map((c) => info(`  ${c}`, NaN, '')),
    info('starts that gave up with one line while a dependency was down (restarted)', gaveUp.length, 'exits'),
    ...[...new Set(gaveUp.map((g) => g.line.replace(/127\.0\.0\.1:\d+/g, 'host:port')))].slice(0, 5).map((c) => info(`  ${c}`, NaN, '')),
    info('ticket publishes repeated (broker away)', r.publishRetries, 'attempts'),
    info('wall time', (Date.now() - r.t0) / 1000, 's'),
  ];
  printFigures('chaos benchmark: 2 supervisors, 2 of each agent, gateway, backend; scripted model; shipped step deadline (120 s); gateway rate limits lifted', figures);
  return figures.every((f) => f.ok !== false);
}
