// Gateway overhead per tool call: a read tool (get_cache_status) through the gateway — token check, catalogue, scope,
// tenant, argument schema, rate limit, backend call, output schema, audit row in Postgres — against the same request
// sent straight to the reference backend over HTTP. Alternating blocks; same process, same loopback.
// Run: node -r ./libs/llm/test/support/swc-register.js test/bench/gateway-overhead.bench.ts
import { bindTaskToken, TaskTokenIssuer } from '@switchboard/task-tokens';
import { ScriptedLlm } from '@switchboard/llm/testing';
import { configureLogging } from '@switchboard/observability';
import { STACK_KEYS } from '../support/stack';
import { policyYaml } from '../scenarios/support/scenario';
import { World } from '../scenarios/support/world';
import { alternate, info, percentile, printFigures, type Figure } from './support/figures';

const BLOCKS = Number(process.env.BENCH_BLOCKS ?? 10);
const PER_BLOCK = Number(process.env.BENCH_PER_BLOCK ?? 30);

export async function run(): Promise<Figure[]> {
  const world = await World.start(`bench-gateway-${Date.now().toString(36)}`, new ScriptedLlm({}), policyYaml('autonomous'));
  try {
    // As the resolver sends it: the task token bound to the resolver's own key.
    const token = bindTaskToken(await new TaskTokenIssuer(STACK_KEYS.tokenSecret).issue(
      { caseId: 'case_bench_gateway', taskId: 'task_bench_gateway', tenantId: 'globex', region: 'us-east-1', agent: 'resolver', mode: 'autonomous', tools: ['*'], scopes: ['read'], seq: 1 },
      3600,
    ), STACK_KEYS.agents.resolver);
    let n = 0;
    const direct = async (): Promise<number> => {
      const t0 = performance.now();
      const res = await fetch(`${world.stack.acmeUrl}/tenants/globex/cache`, { headers: { 'x-api-key': STACK_KEYS.acme } });
      await res.json();
      if (!res.ok) throw new Error(`direct call failed: ${res.status}`);
      return performance.now() - t0;
    };
    const viaGateway = async (): Promise<number> => {
      world.stack.resetRateLimits(); // measure the checks, not the throttle (the bench exceeds one tenant's rate on purpose)
      const t0 = performance.now();
      const res = await fetch(`${world.stack.gatewayUrl}/v1/tools/get_cache_status/invoke`, {
        method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ toolCallId: `tc_${++n}`, step: n, arguments: { tenantId: 'globex' } }),
      });
      const body = (await res.json()) as { status: string };
      if (body.status !== 'ok') throw new Error(`gateway call failed: ${JSON.stringify(body)}`);
      return performance.now() - t0;
    };
    for (let i = 0; i < 20; i++) { await direct(); await viaGateway(); }
    const s = await alternate(BLOCKS, PER_BLOCK, direct, viaGateway);
    const d50 = percentile(s.baseline, 50), g50 = percentile(s.system, 50);
    return [
      info('direct HTTP to the backend, p50', d50, 'ms'),
      info('direct HTTP to the backend, p99', percentile(s.baseline, 99), 'ms'),
      info('through the gateway, p50', g50, 'ms'),
      info('through the gateway, p99', percentile(s.system, 99), 'ms'),
      info('gateway added per tool call, p50', g50 - d50, 'ms'),
      info('gateway / direct, p50', g50 / d50, '×'),
      info('calls per side', s.system.length, ''),
    ];
  } finally {
    await world.close();
  }
}

if (require.main === module) {
  configureLogging({ level: 'error' });
  run().then((f) => { printFigures('gateway overhead per tool call', f); process.exit(0); }, (e: unknown) => { console.error(e); process.exit(1); });
}
