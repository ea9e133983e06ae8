import { SwitchboardError } from '@switchboard/observability';
import { simulate, type ProcedureSet, type SimulationResult } from '@switchboard/procedures';
import { resolvePolicy, type Policy } from './policy.schema';

/** The policy promises autonomy the procedures cannot back; start-up stops with every missing piece of evidence. */
export class AutonomyGateError extends SwitchboardError {
  constructor(readonly problems: string[]) {
    super('SUPERVISOR.POLICY_INVALID', 'user', `the policy sets intents autonomous without the evidence autonomy needs:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

const ANY_TENANT = '\u0000any-tenant';

/**
 * The simulation gate: every intent (or tenant + intent) the policy can run autonomously must have its procedures'
 * simulations pass — each procedure at least one test, every test green. An autonomous intent without procedures runs
 * read-only (its task tokens get no write scope) unless `freeLoopWrites` names it, which needs a tools allow-list.
 * Returns the simulations run (for the start-up log); throws {@link AutonomyGateError} listing what is missing.
 *
 * @example
 * const simulations = await checkAutonomy(policy, procedures);
 */
export async function checkAutonomy(policy: Policy, procedures: ProcedureSet): Promise<SimulationResult[]> {
  const problems: string[] = [];
  const results = new Map<string, SimulationResult[]>();
  const tenants = [ANY_TENANT, ...new Set(policy.overrides.flatMap((o) => (o.tenant ? [o.tenant] : [])))];
  for (const intent of policy.intents) {
    for (const tenant of tenants) {
      const resolved = resolvePolicy(policy, tenant, intent);
      if (resolved.mode !== 'autonomous') continue;
      const scope = tenant === ANY_TENANT ? intent : `${intent} for tenant ${tenant}`;
      for (const p of procedures.forCase(intent, tenant)) {
        const key = `${p.id}@${p.version}`;
        if (p.tests.length === 0) {
          problems.push(`policy sets ${scope} autonomous (${resolved.modeSource}), but procedure ${key} has no simulation (add tests: to it)`);
          continue;
        }
        if (!results.has(key)) {
          const runs: SimulationResult[] = [];
          for (const t of p.tests) runs.push(await simulate(p, t, procedures.successChecks(p.intent, p)));
          results.set(key, runs);
        }
        for (const r of results.get(key)!.filter((x) => !x.passed)) {
          problems.push(`policy sets ${scope} autonomous (${resolved.modeSource}), but the simulation "${r.test}" of ${key} fails: ${r.problems.join('; ')}`);
        }
      }
    }
  }
  for (const intent of policy.freeLoopWrites) {
    if (procedures.allowedTools(intent) === undefined) problems.push(`freeLoopWrites names ${intent}, which has no tools allow-list in the procedures directory`);
  }
  if (problems.length > 0) throw new AutonomyGateError([...new Set(problems)]);
  return [...results.values()].flat();
}
