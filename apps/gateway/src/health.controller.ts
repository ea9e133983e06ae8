import { Controller, Get, HttpCode, Inject, ServiceUnavailableException } from '@nestjs/common';
import type { Pool } from 'pg';
import { GATEWAY_POOL } from './gateway.tokens';

@Controller('health')
export class HealthController {
  constructor(@Inject(GATEWAY_POOL) private readonly pool: Pool) {}

  @Get('live')
  @HttpCode(200)
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  async ready(): Promise<{ status: 'ready'; checks: Record<string, boolean> }> {
    const postgres = await this.pool.query('SELECT 1').then(() => true, () => false);
    if (!postgres) throw new ServiceUnavailableException({ status: 'not_ready', checks: { postgres } });
    return { status: 'ready', checks: { postgres } };
  }
}
