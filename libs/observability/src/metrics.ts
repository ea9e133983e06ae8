import { createHash, timingSafeEqual } from 'node:crypto';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import { z } from 'zod';

/**
 * The metrics every Switchboard process keeps, in one prom-client registry: the Node process (CPU, memory, event-loop
 * lag, GC; `switchboard_process_*`), and what the Kafka bus did with each message. Labels are low-cardinality by
 * construction: a service, a contract topic, an outcome — never a tenant, case, user or message id.
 */
export const processMetrics = new Registry();

/** Messages a consumer finished with, by topic and outcome (`handled`, `retried`, `dead_lettered`, `held`, `outage`). */
export const busMessages = new Counter({
  name: 'switchboard_bus_messages_total', help: 'Kafka messages a consumer finished with, by contract topic and outcome',
  labelNames: ['topic', 'outcome'], registers: [processMetrics],
});

/** How long handlers took, by topic (successful and failed attempts alike). */
export const busHandlerSeconds = new Histogram({
  name: 'switchboard_bus_handler_duration_seconds', help: 'Time a handler took for one Kafka message, by contract topic',
  labelNames: ['topic'], buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 120], registers: [processMetrics],
});

let defaultsOn = false;

/**
 * Labels this process's metrics with its service name and starts the Node process collectors (once per process;
 * nothing runs until a service serves `/metrics`).
 */
export function enableProcessMetrics(service: string): void {
  processMetrics.setDefaultLabels({ service });
  if (defaultsOn) return;
  defaultsOn = true;
  collectDefaultMetrics({ register: processMetrics, prefix: 'switchboard_' });
}

/** `METRICS_KEY`: the bearer key a scraper presents at `/metrics`; without one the endpoint is off (404). */
export const MetricsConfigSchema = z.object({
  /**
   * Bearer key for `GET /metrics` (≥ 16 chars): the process and Kafka bus metrics of this service, in the Prometheus
   * text format. Unset: /metrics is off (404). Opens nothing else. (The supervisor's is SUPERVISOR_METRICS_KEY.)
   */
  METRICS_KEY: z.string().min(16, 'METRICS_KEY must be at least 16 characters (a random key; Prometheus sends it as a bearer token)').optional(),
});
export type MetricsConfig = z.infer<typeof MetricsConfigSchema>;

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * Whether a scrape may read the metrics: `off` without a configured key, `refused` unless the Authorization header
 * carries exactly that key as a bearer token (compared in constant time), else `ok`.
 */
export function metricsAccess(key: string | undefined, authorization: string | undefined): 'off' | 'refused' | 'ok' {
  if (!key) return 'off';
  const presented = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
  return presented !== undefined && timingSafeEqual(digest(presented), digest(key)) ? 'ok' : 'refused';
}
