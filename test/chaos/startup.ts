// First start of a whole deployment, every service at once (as compose without ordering, or Helm, starts them), on a
// fresh KAFKA_TOPIC_PREFIX each run: every service must become ready with no restart. The built entry points run as
// shipped (local llama.cpp model, ONNX embeddings; neither is used before the first task). Prints one line per run
// and a summary; exit code 1 if any run had a service that exited or never became ready.
import { Kafka, logLevel } from 'kafkajs';
import { join } from 'node:path';
import { ROOT, ServiceProcess, waitReady } from './support/fleet';
import { deploymentSpecs } from './support/deployment';

export interface StartupOptions {
  runs: number;
  brokers: string;
  databaseUrl: string;
  acmeDatabaseUrl: string;
  readyTimeoutMs: number;
}

export async function startupRuns(options: StartupOptions): Promise<boolean> {
  const stamp = Date.now().toString(36);
  const logRoot = join(ROOT, 'test-output', 'chaos', `startup-${stamp}`);
  const admin = new Kafka({ clientId: 'chaos-startup', brokers: options.brokers.split(','), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  const results: Array<{ run: number; ready: number; total: number; slowest: [string, number]; failed: Map<string, string> }> = [];
  console.log(`first start, every service at once on a fresh topic prefix, ${options.runs} run(s); logs in ${logRoot}`);
  try {
    for (let run = 1; run <= options.runs; run++) {
      const prefix = `chaos-start-${stamp}-${run}`;
      const specs = await deploymentSpecs({
        brokers: options.brokers, prefix, databaseUrl: options.databaseUrl, acmeDatabaseUrl: options.acmeDatabaseUrl,
        replicas: 1, agents: 'built', withIngress: true,
      });
      const services = specs.map((spec) => new ServiceProcess(spec, join(logRoot, `run-${run}`)));
      for (const s of services) s.start();
      const { ready, failed } = await waitReady(services, options.readyTimeoutMs);
      await Promise.all(services.map((s) => s.stop()));
      services.forEach((s) => s.close());
      const slowest = [...ready].sort((a, b) => b[1] - a[1])[0] ?? ['-', 0];
      results.push({ run, ready: ready.size, total: services.length, slowest, failed });
      const failures = [...failed].map(([name, why]) => `${name}: ${why}`).join('; ');
      console.log(`run ${String(run).padStart(2)}  ready ${ready.size}/${services.length}  all ready after ${(slowest[1] / 1000).toFixed(1)} s (last: ${slowest[0]})  ${failures ? `FAILED ${failures}` : 'no exit, no restart'}`);
      // The prefix's topics go again, so repeated runs do not pile up partitions on the broker.
      const topics = (await admin.listTopics()).filter((t) => t.startsWith(`${prefix}.`));
      if (topics.length > 0) await admin.deleteTopics({ topics }).catch(() => undefined);
    }
  } finally {
    await admin.disconnect();
  }
  const clean = results.filter((r) => r.failed.size === 0).length;
  const exits = results.reduce((n, r) => n + [...r.failed.values()].filter((w) => w.startsWith('exited')).length, 0);
  console.log(`\nsummary: ${clean}/${results.length} runs with every service ready and none restarted; ${exits} service exit(s); ` +
    `${results.reduce((n, r) => n + r.failed.size, 0)} service start failure(s) in ${results.reduce((n, r) => n + r.total, 0)} service starts`);
  return clean === results.length;
}
