import { existsSync, readFileSync } from 'node:fs';
import { Controller, Get, Header, Headers, Inject, NotFoundException, Res, UnauthorizedException } from '@nestjs/common';
import type { Response } from 'express';
import { enableProcessMetrics, metricsAccess, processMetrics } from '@switchboard/observability';
import { SupervisorMetrics } from '../console/metrics.service';
import { repoPath } from '../paths';
import { SUPERVISOR_CONFIG, type SupervisorConfig } from '../supervisor.config';

/**
 * `/metrics` needs its own bearer key (SUPERVISOR_METRICS_KEY; off without one), checked before any work, and serves a
 * render cached for SUPERVISOR_METRICS_CACHE_SECONDS, so scrapes cannot make the supervisor run KPI SQL at will. The
 * API description stays public.
 */
@Controller()
export class MetricsController {
  constructor(@Inject(SupervisorMetrics) private readonly metrics: SupervisorMetrics, @Inject(SUPERVISOR_CONFIG) private readonly config: SupervisorConfig) {
    enableProcessMetrics('supervisor');
  }

  @Get('metrics')
  async scrape(@Headers('authorization') authorization: string | undefined, @Res() res: Response): Promise<void> {
    const key = this.config.SUPERVISOR_METRICS_KEY;
    if (!key) throw new NotFoundException({ code: 'SUPERVISOR.METRICS_OFF', message: '/metrics is off: set SUPERVISOR_METRICS_KEY and scrape with Authorization: Bearer <key>' });
    if (metricsAccess(key, authorization) !== 'ok') {
      throw new UnauthorizedException({ code: 'SUPERVISOR.UNAUTHORIZED', message: 'send the metrics key as Authorization: Bearer <SUPERVISOR_METRICS_KEY>' });
    }
    // The KPI render (cached) and this process's own metrics: Node process and Kafka bus (libs/observability).
    const [kpis, process_] = await Promise.all([this.metrics.render(), processMetrics.metrics()]);
    res.type(this.metrics.registry.contentType).send(`${kpis.trimEnd()}\n${process_}`);
  }

  /** The OpenAPI description of this API (docs/openapi/supervisor.yaml). */
  @Get('v1/openapi.yaml')
  @Header('Content-Type', 'application/yaml; charset=utf-8')
  openapi(): string {
    const file = repoPath('docs', 'openapi', 'supervisor.yaml');
    if (!existsSync(file)) throw new NotFoundException({ code: 'SUPERVISOR.NO_OPENAPI', message: 'docs/openapi/supervisor.yaml is not shipped with this build' });
    return readFileSync(file, 'utf8');
  }
}
