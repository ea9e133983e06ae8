import { Body, Controller, Delete, Get, HttpCode, Inject, Post, UseGuards } from '@nestjs/common';
import type { Pool } from 'pg';
import { ACME_POOL } from '../acme.config';
import { AcmeError } from '../acme.errors';
import { ApiKeyGuard } from '../api-key.guard';
import { seedAcme } from '../seed';
import { FaultSchema, FaultsService, type Fault } from './faults.service';

/** Test-only controls; only mounted when ACME_ENABLE_FAULTS=true, guarded by the API key. */
@Controller('admin')
@UseGuards(ApiKeyGuard)
export class FaultsController {
  constructor(private readonly faults: FaultsService, @Inject(ACME_POOL) private readonly pool: Pool) {}

  @Post('faults')
  @HttpCode(200)
  set(@Body() body: unknown): { faults: Fault[] } {
    const parsed = FaultSchema.safeParse(body);
    if (!parsed.success) throw new AcmeError(400, 'VALIDATION_FAILED', parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    this.faults.set(parsed.data);
    return { faults: this.faults.list() };
  }

  @Delete('faults')
  @HttpCode(200)
  clear(): { faults: Fault[] } {
    this.faults.clear();
    return { faults: [] };
  }

  @Get('stats')
  stats(): { calls: Record<string, number> } {
    return { calls: this.faults.stats() };
  }

  @Delete('stats')
  @HttpCode(200)
  resetStats(): { calls: Record<string, number> } {
    this.faults.resetStats();
    return { calls: {} };
  }

  /** Resets the demo data (scenario suites against a running backend). */
  @Post('reseed')
  @HttpCode(200)
  async reseed(): Promise<{ seeded: true }> {
    await seedAcme(this.pool);
    this.faults.clear();
    this.faults.resetStats();
    return { seeded: true };
  }
}
