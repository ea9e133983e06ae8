import { Counter, Gauge, type Registry } from 'prom-client';
import type { DueQuarantineRepository } from './due-quarantine.repository';
import type { CaseServiceOptions } from './case.service';

/**
 * Registers the due scanner's metrics on the supervisor's registry: failed ticks and quarantines (counters) and the
 * cases quarantined now (gauge, read at scrape time). Returns the CaseService `onDueFailure` hook that counts.
 */
export function registerDueQuarantineMetrics(registry: Registry, repo: DueQuarantineRepository): NonNullable<CaseServiceOptions['onDueFailure']> {
  const failures = new Counter({ name: 'switchboard_supervisor_due_tick_failures_total', help: 'Due ticks of a case that threw (the case backs off)', registers: [registry] });
  const quarantines = new Counter({ name: 'switchboard_supervisor_due_quarantines_total', help: 'Cases the due scanner quarantined after repeated failed ticks', registers: [registry] });
  new Gauge({
    name: 'switchboard_supervisor_due_quarantined_cases', help: 'Cases quarantined by the due scanner now (GET /v1/due-quarantine)', registers: [registry],
    async collect() {
      this.set(await repo.count());
    },
  });
  return (failure) => {
    failures.inc();
    if (failure.quarantined) quarantines.inc();
  };
}
