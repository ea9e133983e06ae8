import { z } from 'zod';
import { env } from '@switchboard/observability';
import { KafkaSecurityConfigSchema, refineKafkaSecurity } from './kafka-security';

/**
 * Config fragment of every app that talks to Kafka; apps merge it into their own schema (STYLE.md §6).
 *
 * @example
 * export const TriageConfigSchema = BusConfigSchema.extend({ PORT: env.int(3001) });
 * const bus = new KafkaBus(loadConfigOrExit(TriageConfigSchema), 'triage');
 */
export const BusConfigSchema = z.object({
  KAFKA_BROKERS: env.list('127.0.0.1:9092').pipe(z.array(z.string().regex(/^[^\s:]+:\d+$/, 'each broker must be host:port')).min(1, 'set at least one broker')),
  KAFKA_CLIENT_ID: z.string().min(1).default('switchboard'),
  /**
   * Namespace of this deployment's topics on a shared cluster: `eu-prod` makes `agent.results` `eu-prod.agent.results`
   * (and its `.retry` / `.dlq`). Empty: the contract names as they are. Every service of a deployment needs the same.
   */
  KAFKA_TOPIC_PREFIX: z.string().max(100).regex(/^([a-zA-Z0-9][a-zA-Z0-9._-]*)?$/, 'letters, digits, ".", "_" and "-" only, starting with a letter or digit').default(''),
  /** Deliveries of one message before it is dead-lettered (the first delivery counts). */
  BUS_MAX_ATTEMPTS: z.coerce.number().int().positive().default(5),
  /** Delay before the second delivery; each later one waits BUS_RETRY_FACTOR times longer, capped at BUS_RETRY_MAX_MS. */
  BUS_RETRY_BASE_MS: env.int(500),
  BUS_RETRY_FACTOR: z.coerce.number().min(1).default(2),
  BUS_RETRY_MAX_MS: env.int(60_000),
  /**
   * While a dependency is down (Postgres, the broker, the gateway: see `isDependencyUnavailable`), the partition is
   * paused and the same message tried again after this delay, doubling up to BUS_OUTAGE_RETRY_MAX_MS, for as long as
   * the outage lasts. This spends none of the message's BUS_MAX_ATTEMPTS: an outage is not the message's fault.
   */
  BUS_OUTAGE_RETRY_BASE_MS: env.int(500),
  /** Longest pause between two tries of a message while a dependency is down (bounds how late it runs once it is back). */
  BUS_OUTAGE_RETRY_MAX_MS: env.int(5_000),
  /**
   * How long a service keeps trying at start-up to reach Kafka and see its topics ready (another service may be
   * creating them) before it gives up with one error line and a non-zero exit.
   */
  BUS_STARTUP_TIMEOUT_MS: z.coerce.number().int().positive().default(120_000),
  /** Larger messages are dead-lettered unread. */
  BUS_MAX_MESSAGE_BYTES: z.coerce.number().int().positive().default(1_000_000),
  BUS_SESSION_TIMEOUT_MS: z.coerce.number().int().positive().default(30_000),
  BUS_HEARTBEAT_INTERVAL_MS: z.coerce.number().int().positive().default(3_000),
  /** Longest a handled message waits for its offset commit in `commitEvery: 'interval'` consumers (agents, supervisor). */
  BUS_COMMIT_INTERVAL_MS: env.int(1_000),
  /**
   * Partitions one consumer handles at once (kafkajs partitionsConsumedConcurrently) unless the service sets its own:
   * an agent waiting on its model keeps working other cases. Order per case holds: a case is one partition.
   */
  BUS_CONCURRENCY: z.coerce.number().int().positive().default(3),
  /** Longest idle fetch; also bounds how late a paused retry partition is resumed. */
  BUS_FETCH_MAX_WAIT_MS: z.coerce.number().int().positive().default(500),
  /**
   * Where a consumer group with no committed offset starts (Kafka's auto.offset.reset): `earliest` misses nothing
   * published before the group first ran; `latest` skips history (test suites sharing topics, replays by choice).
   */
  BUS_NEW_GROUP_START: z.enum(['earliest', 'latest']).default('earliest'),
})
  // TLS and SASL (kafka-security.ts): KAFKA_SSL*, KAFKA_SASL_*, KAFKA_AWS_REGION.
  .extend(KafkaSecurityConfigSchema.shape)
  .superRefine(refineKafkaSecurity);
export type BusConfig = z.infer<typeof BusConfigSchema>;
