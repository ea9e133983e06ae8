import { existsSync, readFileSync } from 'node:fs';
import { Controller, Get, Header, Inject, NotFoundException, Res } from '@nestjs/common';
import type { Response } from 'express';
import { SupervisorMetrics } from '../console/metrics.service';
import { repoPath } from '../paths';

/** Unauthenticated, like any Prometheus target and API description: aggregates only, no case data. */
@Controller()
export class MetricsController {
  constructor(@Inject(SupervisorMetrics) private readonly metrics: SupervisorMetrics) {}

  @Get('metrics')
  async scrape(@Res() res: Response): Promise<void> {
    res.type(this.metrics.registry.contentType).send(await this.metrics.render());
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
