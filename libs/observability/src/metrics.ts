import { createHash, timingSafeEqual } from 'node:crypto';
import { Controller, Get, Headers, Inject, Module, NotFoundException, Res, UnauthorizedException, type DynamicModule } from '@nestjs/common';
import type { Response } from 'express';
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

/** Throws the HTTP answer for a scrape that may not read the metrics (404 off, 401 refused); `code` names the service. */
export function assertMetricsAccess(key: string | undefined, authorization: string | undefined, service: string): void {
  const access = metricsAccess(key, authorization);
  const code = service.toUpperCase();
  if (access === 'off') throw new NotFoundException({ code: `${code}.METRICS_OFF`, message: '/metrics is off: set METRICS_KEY and scrape with Authorization: Bearer <key>' });
  if (access === 'refused') throw new UnauthorizedException({ code: `${code}.UNAUTHORIZED`, message: 'send the metrics key as Authorization: Bearer <METRICS_KEY>' });
}

const METRICS_OPTIONS = Symbol('METRICS_OPTIONS');
interface MetricsOptions { service: string; key: string | undefined }

@Controller()
class ProcessMetricsController {
  constructor(@Inject(METRICS_OPTIONS) private readonly options: MetricsOptions) {}

  @Get('metrics')
  async scrape(@Headers('authorization') authorization: string | undefined, @Res() res: Response): Promise<void> {
    assertMetricsAccess(this.options.key, authorization, this.options.service);
    res.type(processMetrics.contentType).send(await processMetrics.metrics());
  }
}

/**
 * `GET /metrics` (Prometheus text format) for a service that has no metrics of its own beyond {@link processMetrics}.
 *
 * @example
 * imports: [ProcessMetricsModule.forRoot({ service: 'gateway', key: config.METRICS_KEY })]
 */
@Module({})
export class ProcessMetricsModule {
  static forRoot(options: MetricsOptions): DynamicModule {
    enableProcessMetrics(options.service);
    return { module: ProcessMetricsModule, controllers: [ProcessMetricsController], providers: [{ provide: METRICS_OPTIONS, useValue: options }] };
  }
}
