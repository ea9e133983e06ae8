import { Controller, Get, HttpCode, Inject, ServiceUnavailableException } from '@nestjs/common';
import type { Pool } from 'pg';
import { ACME_POOL } from './acme.config';

@Controller('health')
export class HealthController {
  constructor(@Inject(ACME_POOL) private readonly pool: Pool) {}

  @Get('live')
  @HttpCode(200)
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  async ready(): Promise<{ status: 'ready' }> {
    if (!(await this.pool.query('SELECT 1').then(() => true, () => false))) throw new ServiceUnavailableException({ status: 'not_ready' });
    return { status: 'ready' };
  }
}
