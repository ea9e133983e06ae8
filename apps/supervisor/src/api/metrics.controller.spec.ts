import { NotFoundException, UnauthorizedException } from '@nestjs/common';
import type { Response } from 'express';
import type { ConsoleRepository } from '../console/console.repository';
import { SupervisorMetrics } from '../console/metrics.service';
import type { OutcomeGroupRow, OutcomesRepository } from '../outcomes/outcomes.repository';
import type { SupervisorConfig } from '../supervisor.config';
import { MetricsController } from './metrics.controller';

/** Named double of the KPI queries: counts how often /metrics made the supervisor run them. */
class CountingConsoleRepository {
  queries = 0;
  async statusCounts() { this.queries++; return [{ status: 'RESOLVED', count: this.queries }]; }
  async escalationReasons() { this.queries++; return []; }
  async kpis() { this.queries++; return []; }
}

function response() {
  const sent: string[] = [];
  const res = { type: () => res, send: (body: string) => sent.push(body) } as unknown as Response;
  return { res, sent };
}

describe('MetricsController', () => {
  let now = 0;
  const repo = new CountingConsoleRepository();
  const metrics = new SupervisorMetrics(repo as unknown as ConsoleRepository, 24, () => 0, 15_000, () => now);
  const sut = (key?: string) => new MetricsController(metrics, { SUPERVISOR_METRICS_KEY: key } as SupervisorConfig);

  it('is off (404) without a configured key, and refuses a missing or wrong key before any query', async () => {
    await expect(sut(undefined).scrape(undefined, response().res)).rejects.toBeInstanceOf(NotFoundException);
    for (const header of [undefined, 'Bearer wrong-key-0123456789', 'metrics-key-0123456789abc']) {
      await expect(sut('metrics-key-0123456789abc').scrape(header, response().res)).rejects.toBeInstanceOf(UnauthorizedException);
    }
    expect(repo.queries).toBe(0);
  });

  it('renders with the key, and serves the same render until the cache period ends', async () => {
    const controller = sut('metrics-key-0123456789abc');
    const first = response();
    await controller.scrape('Bearer metrics-key-0123456789abc', first.res);
    const afterFirst = repo.queries;
    expect(afterFirst).toBeGreaterThan(0);
    expect(first.sent[0]).toContain('switchboard_supervisor_cases{status="RESOLVED"}');
    // This process's own metrics follow the KPIs (they change between scrapes; the KPI part is what is cached).
    expect(first.sent[0]).toMatch(/^switchboard_process_cpu_user_seconds_total\{service="supervisor"\} /m);
    const kpis = (text: string | undefined) => text!.split('\n').filter((l) => l.includes('switchboard_supervisor_')).join('\n');
    now += 14_000;
    const second = response();
    await Promise.all([controller.scrape('Bearer metrics-key-0123456789abc', second.res), controller.scrape('bearer metrics-key-0123456789abc', response().res)]);
    expect(repo.queries).toBe(afterFirst);
    expect(kpis(second.sent[0])).toBe(kpis(first.sent[0]));
    now += 2_000;
    await controller.scrape('Bearer metrics-key-0123456789abc', response().res);
    expect(repo.queries).toBe(afterFirst * 2);
  });

  it('exports outcome tiers and cost per verified resolution by intent and region, never by tenant', async () => {
    const row = (group: string, verified: number, costUsd: number): OutcomeGroupRow => ({
      group, cases: 4, verified, verifiedAutonomous: verified, resolvedAfterApproval: 0, assisted: 0, escalated: 0, reopened: 0, undelivered: 0, inProgress: 0, tokens: 100, costUsd,
    });
    const outcomes = {
      tiers: async () => [{ tier: 'verified_autonomous', cases: 3, tokens: 900, costUsd: 0.03 }, { tier: 'reopened', cases: 1, tokens: 300, costUsd: 0.01 }],
      groups: async (_f: Date, _t: Date, by: string) => (by === 'intent' ? [row('refund', 2, 0.04), row('other', 0, 0.01)] : [row(by === 'region' ? 'eu-west-1' : 'all', 2, 0.04)]),
    };
    const sut = new SupervisorMetrics(new CountingConsoleRepository() as unknown as ConsoleRepository, 24, () => 0, 0, () => 0, outcomes as unknown as OutcomesRepository);
    const text = await sut.render();
    expect(text).toContain('switchboard_supervisor_kpi_outcome_tier_cases{window="24h",tier="reopened"} 1');
    expect(text).toContain('switchboard_supervisor_kpi_outcome_tier_cost_usd{window="24h",tier="verified_autonomous"} 0.03');
    expect(text).toContain('switchboard_supervisor_kpi_cost_per_verified_resolution_usd{window="24h",group_by="intent",group="refund"} 0.02');
    expect(text).toContain('switchboard_supervisor_kpi_cost_per_verified_resolution_usd{window="24h",group_by="region",group="eu-west-1"} 0.02');
    expect(text).not.toContain('group="other"');
    expect(text).not.toContain('group_by="tenant"');
  });
});
