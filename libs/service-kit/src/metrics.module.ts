import { Controller, Get, Headers, Inject, Module, NotFoundException, Res, UnauthorizedException, type DynamicModule } from '@nestjs/common';
import type { Response } from 'express';
import { enableProcessMetrics, metricsAccess, processMetrics } from '@switchboard/observability';

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
