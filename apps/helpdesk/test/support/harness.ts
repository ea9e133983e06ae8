import { randomUUID } from 'node:crypto';
import type { Consumer } from 'kafkajs';
import { Pool } from 'pg';
import { BusConfigSchema, KafkaBus } from '@switchboard/bus';
import { caseIdFor, deadLetterTopic, retryTopic, DeadLetterSchema, type DeadLetter, type Envelope, type PayloadOf, type TicketEvent, type TopicName } from '@switchboard/contracts';
import { loadConfig } from '@switchboard/observability';
import { TEST_DATABASE_URL, TEST_KAFKA_BROKERS } from '../../../../test/support/env';
import { primeGroupAtEnd as primeGroupAt } from '../../../../test/support/prime-group';
import { tailTopics } from '../../../../test/support/topic-tail';
import { HelpdeskConfigSchema, type HelpdeskConfig } from '../../src/helpdesk.config';

export const BROKERS = TEST_KAFKA_BROKERS;
export const ZD = {
  email: 'switchboard@acme.example',
  token: 'zd-api-token-0123456789abcdef',
  signalSecret: 'zd-signal-secret-0123456789',
  egressSecret: 'egress-secret-0123456789-0123456789-abcdef',
};

export const runId = () => randomUUID().slice(0, 8);

export function helpdeskEnv(groupId: string, zendeskUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: TEST_DATABASE_URL, KAFKA_BROKERS: BROKERS.join(','), HELPDESK_GROUP_ID: groupId, ZENDESK_URL: zendeskUrl, ZENDESK_EMAIL: ZD.email,
    ZENDESK_API_TOKEN: ZD.token, ZENDESK_WEBHOOK_SECRET: ZD.signalSecret, BUS_RETRY_BASE_MS: '200', BUS_MAX_ATTEMPTS: '3', LOG_LEVEL: 'warn', ...extra,
  };
}

export function helpdeskConfig(groupId: string, zendeskUrl: string, extra: Record<string, string> = {}): HelpdeskConfig {
  return loadConfig(HelpdeskConfigSchema, helpdeskEnv(groupId, zendeskUrl, extra));
}

export function ticketEvent(tenantId: string, externalId: string, over: Partial<TicketEvent> = {}): TicketEvent {
  return {
    externalId, source: 'zendesk', tenantId, region: 'us-east-1', requester: { email: 'ops@example.com' }, subject: 'Dashboard blank',
    body: 'Since the new dashboard flag was switched on our dashboard is blank.', priority: 'normal', tags: [], receivedAt: new Date().toISOString(), metadata: {}, ...over,
  };
}

/** Commits a new consumer group's offsets at the end of each topic and its `.retry`: it reads only what comes next. */
export function primeGroupAtEnd(groupId: string, topics: readonly string[]): Promise<void> {
  return primeGroupAt(BROKERS, groupId, topics.flatMap((t) => [t, retryTopic(t)]));
}

/** Publishes what the supervisor would: tickets (bare) and enveloped replies, notes, outcomes, commands. */
export class Publisher {
  readonly bus = new KafkaBus(BusConfigSchema.parse({ KAFKA_BROKERS: BROKERS.join(',') }), 'helpdesk-test-publisher');

  async start(): Promise<void> {
    await this.bus.connect();
    await this.bus.ensureTopics();
  }

  stop(): Promise<void> {
    return this.bus.disconnect();
  }

  async ticket(t: TicketEvent): Promise<string> {
    await this.bus.publishTicket(t);
    return caseIdFor(t);
  }

  envelope<T extends TopicName>(topic: T, t: TicketEvent, payload: PayloadOf<T>): Envelope<PayloadOf<T>> {
    const caseId = caseIdFor(t);
    return this.bus.envelope(topic, payload, { caseId, tenantId: t.tenantId, region: t.region, correlationId: caseId, causationId: null });
  }

  async send<T extends TopicName>(topic: T, envelope: Envelope<PayloadOf<T>>): Promise<Envelope<PayloadOf<T>>> {
    await this.bus.publish(topic, envelope);
    return envelope;
  }
}

/** Reads what lands on topics (raw, from the end at start): dead letters and any JSON record. */
export class RawRecorder {
  readonly records: Array<{ topic: string; key: string | null; value: Record<string, unknown> }> = [];
  private consumer?: Consumer;

  constructor(private readonly groupId: string, private readonly topics: string[]) {}

  async start(): Promise<void> {
    // From the current end of each topic: only this run's records.
    this.consumer = await tailTopics('helpdesk-test-recorder', this.topics, (topic, message) => {
      try {
        this.records.push({ topic, key: message.key?.toString() ?? null, value: JSON.parse(message.value?.toString() ?? 'null') as Record<string, unknown> });
      } catch {
        // other suites' deliberately malformed records
      }
    }, { groupId: this.groupId });
  }

  stop(): Promise<void> {
    return this.consumer?.disconnect() ?? Promise.resolve();
  }

  deadLetters(topic: TopicName, key: string): DeadLetter[] {
    return this.records.filter((r) => r.topic === deadLetterTopic(topic) && r.key === key).map((r) => DeadLetterSchema.parse(r.value));
  }

  envelopes(topic: TopicName, caseId: string): Array<Envelope<Record<string, unknown>>> {
    return this.records.filter((r) => r.topic === topic && r.value?.['caseId'] === caseId).map((r) => r.value as unknown as Envelope<Record<string, unknown>>);
  }
}

export class HelpdeskDb {
  readonly pool = new Pool({ connectionString: TEST_DATABASE_URL, max: 3 });

  async deliveries(caseId: string): Promise<Array<{ kind: string; status: string; attempts: number; recovered: boolean; reason: { code: string } | null }>> {
    const { rows } = await this.pool.query('SELECT kind, status, attempts, recovered, reason FROM helpdesk.deliveries WHERE case_id = $1 ORDER BY kind', [caseId]);
    return rows;
  }

  /** Whether the connector has recorded the case's ticket from tickets.ingress. */
  async knows(caseId: string): Promise<boolean> {
    const { rowCount } = await this.pool.query('SELECT 1 FROM helpdesk.tickets WHERE case_id = $1', [caseId]);
    return (rowCount ?? 0) > 0;
  }

  end(): Promise<void> {
    return this.pool.end();
  }
}
