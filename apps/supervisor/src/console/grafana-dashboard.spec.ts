import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { shadowComparisons } from '@switchboard/llm';
import { enableProcessMetrics, processMetrics } from '@switchboard/observability';
import type { ConsoleRepository } from './console.repository';
import { DemotionRepository } from '../rollout/demotion.repository';
import { RolloutService } from '../rollout/rollout.service';
import { SupervisorMetrics } from './metrics.service';

// deploy/grafana/switchboard.json must only query metrics the services export: a renamed metric fails here, not on a
// blank panel in production.
const dashboard = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', '..', 'deploy', 'grafana', 'switchboard.json'), 'utf8')) as {
  panels: Array<{ title: string; targets: Array<{ expr: string }> }>;
};

async function exported(): Promise<Set<string>> {
  enableProcessMetrics('test');
  const supervisor = new SupervisorMetrics({} as ConsoleRepository, 24, () => 0);
  // The rollout service registers its demotion counter on the supervisor's registry, as supervisor.module.ts wires it.
  new RolloutService({} as DemotionRepository, undefined, { registry: supervisor.registry });
  // The LLM port's model-comparison counter lives in the triage and resolver processes (libs/llm registers it).
  const llm = (await shadowComparisons.get()).name;
  const names = [llm, ...(await processMetrics.getMetricsAsJSON()).map((m) => m.name), ...(await supervisor.registry.getMetricsAsJSON()).map((m) => m.name)];
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
});
