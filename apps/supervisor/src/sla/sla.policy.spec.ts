import type { ConsoleRepository } from '../console/console.repository';
import { SupervisorMetrics } from '../console/metrics.service';
import { SlaClock, SlaPolicyEnvSchema, slaRows } from './sla.policy';

describe('SLA policy', () => {
  const T0 = new Date('2026-12-04T10:00:00.000Z');
  const sut = new SlaClock(SlaPolicyEnvSchema.parse('{"priorities":{"urgent":15,"high":60},"tenants":{"acme":{"urgent":5}}}'), 240);

  it('takes the tenant\'s allowance, else the priority\'s, else SUPERVISOR_SLA_MINUTES; due = arrival + allowance', () => {
    expect(sut.of('acme', 'urgent', T0)).toEqual({ minutes: 5, dueAt: '2026-12-04T10:05:00.000Z' });
    expect(sut.of('acme', 'high', T0)).toEqual({ minutes: 60, dueAt: '2026-12-04T11:00:00.000Z' });
    expect(sut.of('globex', 'urgent', T0).minutes).toBe(15);
    expect(sut.of('globex', 'low', T0).minutes).toBe(240);
    expect(sut.breached('acme', 'urgent', T0, new Date('2026-12-04T10:05:00.000Z'))).toBe(true);
    expect(sut.breached('globex', 'urgent', T0, new Date('2026-12-04T10:05:00.000Z'))).toBe(false);
    expect(sut.table('acme')).toEqual({ urgent: 5, high: 60, normal: 240, low: 240 });
    expect(new SlaClock(SlaPolicyEnvSchema.parse(undefined), 60).table()).toEqual({ urgent: 60, high: 60, normal: 60, low: 60 });
  });

  it('lists every allowance for the breach query: defaults under tenant \'\', then each tenant', () => {
    expect(slaRows(sut)).toEqual([
      { tenantId: '', urgency: 3, minutes: 15 }, { tenantId: '', urgency: 2, minutes: 60 }, { tenantId: '', urgency: 1, minutes: 240 }, { tenantId: '', urgency: 0, minutes: 240 },
      { tenantId: 'acme', urgency: 3, minutes: 5 }, { tenantId: 'acme', urgency: 2, minutes: 60 }, { tenantId: 'acme', urgency: 1, minutes: 240 }, { tenantId: 'acme', urgency: 0, minutes: 240 },
    ]);
  });

  it('refuses bad config with a message that names the key and the problem', () => {
    const problems = (raw: string) => {
      const r = SlaPolicyEnvSchema.safeParse(raw);
      return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    };
    expect(problems('{"priorities":{"urgent":15}')).toEqual([expect.stringContaining('SUPERVISOR_SLA must be JSON')]);
    expect(problems('{"priorities":{"urgent":0}}')).toEqual(['priorities.urgent: SLA minutes must be positive']);
    expect(problems('{"priorities":{"urgent":1.5}}')).toEqual(['priorities.urgent: SLA minutes must be whole minutes']);
    expect(problems('{"priorities":{"critical":5}}')).toEqual([expect.stringMatching(/critical/)]);
    expect(problems('{"tenants":{"acme":{"urgent":"5"}}}')).toEqual([expect.stringMatching(/^tenants\.acme\.urgent: /)]);
  });

  it('exports open (not resolved or closed) and breached cases per priority on /metrics, every priority present', async () => {
    const repo = {
      statusCounts: async () => [], escalationReasons: async () => [], kpis: async () => [],
      slaCounts: jest.fn(async () => [{ urgency: 3, open: 4, breached: 3 }, { urgency: 1, open: 2, breached: 0 }]),
    };
    const metrics = new SupervisorMetrics(repo as unknown as ConsoleRepository, 24, () => 0, 0, () => 0, undefined, sut);
    const text = await metrics.render();
    expect(text).toContain('switchboard_supervisor_sla_breached_cases{priority="urgent"} 3');
    expect(text).toContain('switchboard_supervisor_sla_breached_cases{priority="low"} 0');
    expect(text).toContain('switchboard_supervisor_sla_open_cases{priority="normal"} 2');
    expect(repo.slaCounts).toHaveBeenCalledWith(slaRows(sut), ['RESOLVED', 'CLOSED']);
  });
});
