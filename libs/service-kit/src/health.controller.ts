import { Controller, Get, HttpCode, HttpStatus, Inject, Injectable, ServiceUnavailableException } from '@nestjs/common';

/** Something whose readiness gates `/health/ready` (a Kafka producer, a pg pool, a model). */
export abstract class ReadinessCheck {
  abstract readonly name: string;
  abstract check(): Promise<boolean>;
}

/** DI token for the list of readiness checks an app registers. */
export const READINESS_CHECKS = 'READINESS_CHECKS';

@Injectable()
export class HealthService {
  constructor(@Inject(READINESS_CHECKS) private readonly checks: ReadinessCheck[]) {}

  async readiness(): Promise<{ ready: boolean; checks: Record<string, boolean> }> {
    const results = await Promise.all(this.checks.map(async (c) => [c.name, await c.check().catch(() => false)] as const));
    return { ready: results.every(([, ok]) => ok), checks: Object.fromEntries(results) };
  }
}

/**
 * `/health/live` (the process answers) and `/health/ready` (every registered {@link ReadinessCheck} passes).
 *
 * @example
 * @Module({ controllers: [HealthController], providers: [HealthService, { provide: READINESS_CHECKS, useFactory: (bus) => [bus], inject: [KafkaReadiness] }] })
 */
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Get('live')
  @HttpCode(HttpStatus.OK)
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  async ready(): Promise<{ status: 'ready'; checks: Record<string, boolean> }> {
    const { ready, checks } = await this.health.readiness();
    if (!ready) throw new ServiceUnavailableException({ status: 'not_ready', checks });
    return { status: 'ready', checks };
  }
}

/**
 * Ready while `SELECT 1` answers on the pool (gateway, helpdesk, supervisor: every service whose work needs Postgres).
 *
 * @example
 * { provide: READINESS_CHECKS, useFactory: (pool: Pool) => [new PostgresReadiness(pool)], inject: [Pool] }
 */
export class PostgresReadiness extends ReadinessCheck {
  readonly name = 'postgres';
  constructor(private readonly pool: { query(sql: string): Promise<unknown> }) {
    super();
  }

  async check(): Promise<boolean> {
    return this.pool.query('SELECT 1').then(() => true, () => false);
  }
}
