import { OutboxRelay } from '@switchboard/store';
import { SupervisorHandler } from '../apps/supervisor/src/supervisor.handler';
import { AgentWorker } from '@switchboard/agent-kit';
import { configureLogging } from '@switchboard/observability';
import { run } from '../test/bench/pipeline-overhead.bench';
const t: Record<string, number[]> = {};
function wrap(proto: any, name: string, label: string) {
  const orig = proto[name];
  proto[name] = async function (...a: unknown[]) { const t0 = performance.now(); try { return await orig.apply(this, a); } finally { (t[label] ??= []).push(performance.now() - t0); } };
}
wrap(OutboxRelay.prototype, 'drainOnce', 'relay.drainOnce');
wrap(SupervisorHandler.prototype, 'handle', 'supervisor.handle');
wrap(AgentWorker.prototype as any, 'process', 'agent.handle');
configureLogging({ level: 'error' });
run().then((f) => {
  for (const [k, v] of Object.entries(t)) { const s = [...v].sort((a, b) => a - b); console.log(k, 'n', v.length, 'p50', s[Math.floor(s.length / 2)]!.toFixed(2), 'mean', (v.reduce((a, b) => a + b, 0) / v.length).toFixed(2)); }
  console.log(f.map((x) => `${x.name} ${x.value}`).join('\n')); process.exit(0);
});
