import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Pool } from 'pg';
import { parse } from 'yaml';
import { shadowComparisons } from '@switchboard/llm';
import { enableProcessMetrics, processMetrics } from '@switchboard/observability';
import { TenantAdmission } from '../admission/tenant-admission';
import type { DueQuarantineRepository } from '../case/due-quarantine.repository';
import { registerDueQuarantineMetrics } from '../case/due-quarantine.metrics';
import type { ConsoleRepository } from './console.repository';
import { DemotionRepository } from '../rollout/demotion.repository';
import { RolloutService } from '../rollout/rollout.service';
import { SupervisorMetrics } from './metrics.service';

// deploy/grafana/switchboard.json and the alerting rules must only query metrics the services export: a renamed metric
// fails here, not on a blank panel or a silent alert in production.
const DEPLOY = join(__dirname, '..', '..', '..', '..', 'deploy');
const dashboard = JSON.parse(readFileSync(join(DEPLOY, 'grafana', 'switchboard.json'), 'utf8')) as {
  panels: Array<{ title: string; targets: Array<{ expr: string }> }>;
};
const alerts = parse(readFileSync(join(DEPLOY, 'helm', 'switchboard', 'files', 'alerts.yaml'), 'utf8')) as {
  groups: Array<{ name: string; rules: Array<{ alert: string; expr: string; labels: { severity: string }; annotations: { summary: string; description: string } }> }>;
};

async function exported(): Promise<Set<string>> {
  enableProcessMetrics('test');
  const supervisor = new SupervisorMetrics({} as ConsoleRepository, 24, () => 0);
  // The rollout service registers its demotion counter on the supervisor's registry, as supervisor.module.ts wires it.
  new RolloutService({} as DemotionRepository, undefined, { registry: supervisor.registry });
  // Admission and the due scanner register theirs there too (supervisor.module.ts); their gauges read Postgres only
  // when scraped, so the names are taken without collecting.
  new TenantAdmission({} as Pool, 0, supervisor.registry, { budget: 1, windowMs: 1_000 });
  registerDueQuarantineMetrics(supervisor.registry, {} as DueQuarantineRepository);
  // The LLM port's model-comparison counter lives in the triage and resolver processes (libs/llm registers it).
  const llm = (await shadowComparisons.get()).name;
  const names = [llm, ...processMetrics.getMetricsAsArray().map((m) => m.name), ...supervisor.registry.getMetricsAsArray().map((m) => m.name)];
  return new Set(names);
}

describe('the Grafana dashboard', () => {
  it('queries only metrics the services export, in every panel', async () => {
    const names = await exported();
    expect(dashboard.panels.length).toBeGreaterThanOrEqual(10);
    for (const panel of dashboard.panels) {
      expect(panel.targets.length).toBeGreaterThan(0);
      for (const { expr } of panel.targets) {
        const used = expr.match(/switchboard_[a-z0-9_]+/g) ?? [];
        expect(used.length).toBeGreaterThan(0);
        for (const name of used) {
          const base = name.replace(/_(bucket|sum|count)$/, '');
          if (!names.has(base)) throw new Error(`panel "${panel.title}" queries ${name}, which no service exports`);
        }
      }
    }
  });

  it('has alerting rules that query only exported metrics, each with a severity, a summary and a description', async () => {
    const names = await exported();
    const rules = alerts.groups.flatMap((g) => g.rules);
    expect(rules.map((r) => r.alert)).toEqual(expect.arrayContaining(['SwitchboardSlaBreached', 'SwitchboardIntentDemoted', 'SwitchboardDeadLetters']));
    for (const rule of rules) {
      expect(['critical', 'warning']).toContain(rule.labels.severity);
      expect(rule.annotations.summary.length).toBeGreaterThan(10);
      expect(rule.annotations.description.length).toBeGreaterThan(10);
      const used = rule.expr.match(/switchboard_[a-z0-9_]+/g) ?? [];
      expect(used.length).toBeGreaterThan(0);
      for (const name of used) {
        if (!names.has(name.replace(/_(bucket|sum|count)$/, ''))) throw new Error(`alert ${rule.alert} queries ${name}, which no service exports`);
      }
    }
  });
});
