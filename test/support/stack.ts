// The whole Switchboard pipeline in one test process: the reference backend, the gateway, the supervisor and the
// four agents, each a real Nest app on an ephemeral port, talking over the real Kafka broker, the real Postgres and
// real HTTP. Only the LLM is a named double (passed in); triage embeds with the real multilingual encoder (scripts/fetch-encoder),
// retrieval with the real MiniLM model (scripts/fetch-embeddings),
// so jest specs using the stack need the native-typed-arrays environment (see libs/memory/test/support). Used by
// test/e2e and the scenario suite.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { Pool } from 'pg';
import { AgentRuntimeModule, HttpToolGateway, startAgentApp, ToolGateway } from '@switchboard/agent-kit';
import { KafkaBus, BusConfigSchema } from '@switchboard/bus';
import type { Envelope, SupervisorCommand, TicketEvent, TicketEventInput } from '@switchboard/contracts';
import { LlmPort } from '@switchboard/llm';
import { DEFAULT_EMBEDDINGS_DIR, DEFAULT_ENCODER_DIR, KnowledgeIngestor, MemoryService, OnnxMiniLmEmbedder, PgVectorStore, runMemoryMigrations, UseMultilingualEmbedder } from '@switchboard/memory';
import { loadConfig } from '@switchboard/observability';
import { createAcmeApp } from '../../apps/acme-backend/src/acme.app';
import { AcmeConfigSchema } from '../../apps/acme-backend/src/acme.config';
import { createGatewayApp } from '../../apps/gateway/src/gateway.app';
import { GatewayConfigSchema } from '../../apps/gateway/src/gateway.config';
import { TokenBucketLimiter } from '../../apps/gateway/src/rate-limit/token-bucket';
import { RESOLVER_CONFIG, ResolverConfigSchema } from '../../apps/resolver/src/resolver.config';
import { ResolverService } from '../../apps/resolver/src/resolver.service';
import { RetrievalService } from '../../apps/retrieval/src/retrieval.service';
import { CommandKeysSchema, CommandSignatures } from '../../apps/supervisor/src/commands/command-signature';
import { createSupervisorApp } from '../../apps/supervisor/src/supervisor.app';
import { SupervisorConfigSchema } from '../../apps/supervisor/src/supervisor.config';
import { parsePolicy } from '../../apps/supervisor/src/policy/policy.loader';
import { ExampleIndex } from '../../apps/triage/src/classification/example-index';
import { loadTriageExamples } from '../../apps/triage/src/classification/examples.loader';
import { TRIAGE_CONFIG, TriageConfigSchema } from '../../apps/triage/src/triage.config';
import { LLM_PROVIDER_KINDS, TriageService } from '../../apps/triage/src/triage.service';
import { VerifierService } from '../../apps/verifier/src/verifier.service';
import { TEST_ACME_DATABASE_URL, TEST_DATABASE_URL, TEST_KAFKA_BROKERS, TEST_TENANT_REGISTRY } from './env';

export const STACK_KEYS = {
  acme: 'e2e-acme-api-key-0123456789abcdef',
  gatewayAdmin: 'e2e-gateway-admin-key-0123456789',
  tokenSecret: 'e2e-gateway-token-secret-0123456789abcdefgh',
  supervisorApi: 'e2e-supervisor-api-key-0123456789',
  /** SUPERVISOR_METRICS_KEY of a supervisor run as its own process (`supervisorProcess`): benchmarks read its /metrics. */
  supervisorMetrics: 'e2e-supervisor-metrics-key-0123456789',
  /** SUPERVISOR_COMMAND_KEYS of the stack's supervisor (`<key id>:<secret>`). */
  commandKeys: 'e2e-console:e2e-command-signing-key-0123456789abcdef',
  /** Each agent's own gateway key (GATEWAY_AGENT_KEY); the gateway holds them as GATEWAY_AGENT_KEYS. */
  agents: { resolver: 'e2e-resolver-agent-key-0123456789abcdef', verifier: 'e2e-verifier-agent-key-0123456789abcdef' },
};
/** GATEWAY_AGENT_KEYS of the stack's gateway. */
export const STACK_AGENT_KEYS = `resolver:${STACK_KEYS.agents.resolver},verifier:${STACK_KEYS.agents.verifier}`;

export interface Stack {
  acmeUrl: string;
  gatewayUrl: string;
  supervisorUrl: string;
  /** Switchboard's database (cases, traces, gateway ledger and audit). */
  db: Pool;
  /** The reference backend's own database. */
  acmeDb: Pool;
  bus: KafkaBus;
  /** Pid of the supervisor process when it runs as one (`supervisorProcess`): the first replica's. */
  supervisorPid?: number;
  /** Pids of every supervisor replica process (`supervisorReplicas`). */
  supervisorPids: number[];
  publish(ticket: TicketEventInput): Promise<TicketEvent>;
  /** Publishes a supervisor command signed with the stack's command key, as the console does. */
  publishCommand(envelope: Envelope<SupervisorCommand>): Promise<void>;
  stopSupervisor(): Promise<void>;
  /** Refills every gateway rate-limit bucket: scenario runs are independent episodes, like the backend reseed. */
  resetRateLimits(): void;
  close(): Promise<void>;
}

export interface StackOptions {
  /** Distinguishes this suite's consumer groups. */
  name: string;
  llm: LlmPort;
  /** Supervisor policy as YAML (defaults to the shipped default policy). */
  policyYaml?: string;
  /** Extra supervisor environment (benchmarks: scan interval, concurrency). */
  supervisorEnv?: Record<string, string>;
  /** Extra resolver environment (the local model's deployment turns RESOLVER_FREE_LOOP off). */
  resolverEnv?: Record<string, string>;
  /** Provider name → kind of the LLM policy behind `llm`, as triage's main.ts provides it (TRIAGE_MODEL_RELIABILITY). */
  providerKinds?: Record<string, string>;
  /** Prefix of the consumer groups (default `e2e`). */
  groupPrefix?: string;
  /**
   * Run the supervisor as its own process (`node dist/apps/supervisor/src/main.js`, needs `npm run build`) instead of
   * in this one — as deployed; benchmarks use it to measure CPU per process.
   */
  supervisorProcess?: boolean;
  /** With `supervisorProcess`: this many supervisor processes in one consumer group (default 1; the scaling bench). */
  supervisorReplicas?: number;
  /** Instances of each agent app in this process, one consumer group per agent (default 1; the scaling bench). */
  agentReplicas?: number;
}

const ROOT = join(__dirname, '..', '..');

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function startStack(options: StackOptions): Promise<Stack> {
  const apps: INestApplication[] = [];
  const run = Date.now().toString(36);
  const prefix = options.groupPrefix ?? 'e2e';
  const groups = {
    supervisor: `${prefix}.${options.name}.${run}.supervisor`,
    triage: `${prefix}.${options.name}.${run}.triage`,
    retrieval: `${prefix}.${options.name}.${run}.retrieval`,
    resolver: `${prefix}.${options.name}.${run}.resolver`,
    verifier: `${prefix}.${options.name}.${run}.verifier`,
  };
  // Fresh groups per run start at the end of the shared topics, so a suite never replays what earlier suites published.
  const kafkaEnv = { KAFKA_BROKERS: TEST_KAFKA_BROKERS.join(','), BUS_RETRY_BASE_MS: '200', BUS_NEW_GROUP_START: 'latest', LOG_LEVEL: 'warn' };
  const bus = new KafkaBus(loadConfig(BusConfigSchema, kafkaEnv), `e2e-${options.name}`);
  await bus.connect();
  await bus.ensureTopics();

  const listen = async (app: INestApplication): Promise<string> => {
    apps.push(app);
    await app.listen(0, '127.0.0.1');
    return (await app.getUrl()).replace('[::1]', '127.0.0.1');
  };

  const acmeUrl = await listen(await createAcmeApp(loadConfig(AcmeConfigSchema, {
    DATABASE_URL: TEST_ACME_DATABASE_URL, ACME_API_KEY: STACK_KEYS.acme, ACME_ENABLE_FAULTS: 'true', ACME_SEED: 'always', LOG_LEVEL: 'warn',
  })));
  const gatewayApp = await createGatewayApp(loadConfig(GatewayConfigSchema, {
    DATABASE_URL: TEST_DATABASE_URL, GATEWAY_TOKEN_SECRET: STACK_KEYS.tokenSecret, GATEWAY_ADMIN_KEY: STACK_KEYS.gatewayAdmin,
    GATEWAY_AGENT_KEYS: STACK_AGENT_KEYS, ACME_BASE_URL: acmeUrl, ACME_API_KEY: STACK_KEYS.acme, LOG_LEVEL: 'warn', PROCEDURES_DIR: join(ROOT, 'procedures'),
  }));
  const gatewayUrl = await listen(gatewayApp);

  const db = new Pool({ connectionString: TEST_DATABASE_URL, max: 4 });
  const acmeDb = new Pool({ connectionString: TEST_ACME_DATABASE_URL, max: 2 });
  await runMemoryMigrations(db);
  // Retrieval runs the real MiniLM embedding model (scripts/fetch-embeddings), as deployed: a how-to answer is only as
  // good as the passage it quotes. The collection name includes the model so a hashing-double collection is never reused.
  // STACK_PREVIOUS_ONNX=1: the MiniLM embedder's settings before 2026-12-05 (idle threads spinning), for an A/B run of
  // the throughput bench.
  const previousOnnx = process.env.STACK_PREVIOUS_ONNX === '1';
  const embedder = await OnnxMiniLmEmbedder.create(DEFAULT_EMBEDDINGS_DIR, previousOnnx ? { threads: 1, spin: true } : {});
  const collection = `e2e_${options.name.replace(/[^a-z0-9_]/g, '_')}_minilm`;
  const memory = new MemoryService(new PgVectorStore(db), embedder, { collection });
  await memory.init();
  await new KnowledgeIngestor(new PgVectorStore(db), embedder, { collection }).ingestDirectory('data/kb');

  const supervisorEnv = {
    ...kafkaEnv, DATABASE_URL: TEST_DATABASE_URL, GATEWAY_TOKEN_SECRET: STACK_KEYS.tokenSecret, GATEWAY_ADMIN_KEY: STACK_KEYS.gatewayAdmin,
    GATEWAY_URL: gatewayUrl, SUPERVISOR_API_KEYS: STACK_KEYS.supervisorApi, SUPERVISOR_COMMAND_KEYS: STACK_KEYS.commandKeys, TENANT_REGISTRY_FILE: TEST_TENANT_REGISTRY, SUPERVISOR_GROUP_ID: groups.supervisor, SUPERVISOR_SCAN_INTERVAL_MS: '200',
    // STACK_SUPERVISOR_ENV_<KEY>=<value> sets <KEY> for the supervisor (benchmarks comparing settings in one build).
    ...Object.fromEntries(Object.entries(process.env).filter(([k, v]) => k.startsWith('STACK_SUPERVISOR_ENV_') && v !== undefined).map(([k, v]) => [k.slice('STACK_SUPERVISOR_ENV_'.length), v!])),
    ...options.supervisorEnv,
  };
  let supervisorApp: INestApplication | undefined;
  const supervisorChildren: ChildProcess[] = [];
  let supervisorUrl = '';
  if (options.supervisorProcess) {
    const dir = mkdtempSync(join(tmpdir(), 'switchboard-stack-'));
    const policyFile = join(dir, 'policy.yaml');
    writeFileSync(policyFile, options.policyYaml ?? readFileSync(join(ROOT, 'apps', 'supervisor', 'policy', 'default.policy.yaml'), 'utf8'));
    // Replicas start together, as a deployment rolls them out (runMigrations serialises them on an advisory lock).
    const replicas = Math.max(1, options.supervisorReplicas ?? 1);
    const urls = await Promise.all(Array.from({ length: replicas }, async () => {
      const port = await freePort();
      const url = `http://127.0.0.1:${port}`;
      // STACK_SUPERVISOR_NODE_ARGS: extra node flags for the supervisor process, e.g. `--cpu-prof --cpu-prof-dir=/tmp/p`.
      const nodeArgs = (process.env.STACK_SUPERVISOR_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
      const child = spawn(process.execPath, [...nodeArgs, join(ROOT, 'dist', 'apps', 'supervisor', 'src', 'main.js')], {
        env: { PATH: process.env.PATH ?? '', SUPERVISOR_METRICS_KEY: STACK_KEYS.supervisorMetrics, ...supervisorEnv, SUPERVISOR_POLICY_FILE: policyFile, PORT: String(port) },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr!.on('data', (chunk: Buffer) => { stderr = (stderr + chunk.toString('utf8')).slice(-4000); });
      supervisorChildren.push(child);
      await waitFor('the supervisor process to be ready', async () => {
        if (child.exitCode !== null) throw new Error(`supervisor exited with ${child.exitCode}: ${stderr}`);
        const res = await fetch(`${url}/health/ready`).catch(() => undefined);
        return res?.status === 200 ? true : undefined;
      }, 90_000);
      return url;
    }));
    supervisorUrl = urls[0]!;
  } else {
    supervisorApp = await createSupervisorApp(loadConfig(SupervisorConfigSchema, supervisorEnv), options.policyYaml ? { policy: parsePolicy(options.policyYaml) } : {});
    supervisorUrl = await listen(supervisorApp);
  }

  const agentEnv = { ...kafkaEnv, GATEWAY_URL: gatewayUrl, GATEWAY_AGENT_KEY: STACK_KEYS.agents.resolver };
  const gateway = (agent: 'resolver' | 'verifier') => ({ provide: ToolGateway, useValue: new HttpToolGateway(gatewayUrl, 10_000, STACK_KEYS.agents[agent]) });
  const llm = { provide: LlmPort, useValue: options.llm };
  // STACK_AGENT_KEY_CONCURRENCY sets the agents' AGENT_KEY_CONCURRENCY (benchmarks comparing settings in one build).
  const busConfig = {
    ...loadConfig(BusConfigSchema, kafkaEnv),
    ...(process.env.STACK_AGENT_KEY_CONCURRENCY ? { AGENT_KEY_CONCURRENCY: Number(process.env.STACK_AGENT_KEY_CONCURRENCY) } : {}),
  };
  const triageConfig = loadConfig(TriageConfigSchema, agentEnv);
  const triageEmbedder = await UseMultilingualEmbedder.create(process.env.TRIAGE_ENCODER_DIR ?? DEFAULT_ENCODER_DIR);
  const triageExamples = await ExampleIndex.build(loadTriageExamples(triageConfig.TRIAGE_EXAMPLES_FILE, [...triageConfig.TRIAGE_INTENTS, 'other']), triageEmbedder, { k: triageConfig.TRIAGE_NEIGHBOURS });
  for (let replica = 0; replica < Math.max(1, options.agentReplicas ?? 1); replica++) apps.push(
    await startAgentApp(AgentRuntimeModule.forRoot({
      agent: 'triage', config: busConfig, handler: TriageService, groupId: groups.triage,
      providers: [llm, { provide: TRIAGE_CONFIG, useValue: triageConfig }, { provide: ExampleIndex, useValue: triageExamples }, { provide: LLM_PROVIDER_KINDS, useValue: options.providerKinds ?? {} }],
    }), 0),
    await startAgentApp(AgentRuntimeModule.forRoot({
      agent: 'retrieval', config: busConfig, handler: RetrievalService, groupId: groups.retrieval, providers: [{ provide: MemoryService, useValue: memory }],
    }), 0),
    await startAgentApp(AgentRuntimeModule.forRoot({
      agent: 'resolver', config: busConfig, handler: ResolverService, groupId: groups.resolver,
      providers: [llm, gateway('resolver'), { provide: RESOLVER_CONFIG, useValue: loadConfig(ResolverConfigSchema, { ...agentEnv, ...options.resolverEnv }) }],
    }), 0),
    await startAgentApp(AgentRuntimeModule.forRoot({ agent: 'verifier', config: busConfig, handler: VerifierService, groupId: groups.verifier, providers: [gateway('verifier')] }), 0),
  );

  let supervisorStopped = false;
  const stopChild = async () => {
    await Promise.all(supervisorChildren.map(async (child) => {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }));
  };
  const supervisorPids = supervisorChildren.flatMap((c) => (c.pid ? [c.pid] : []));
  return {
    acmeUrl, gatewayUrl, supervisorUrl, db, acmeDb, bus, supervisorPids, ...(supervisorPids[0] ? { supervisorPid: supervisorPids[0] } : {}),
    async publish(input) {
      const ticket = { priority: 'normal', tags: [], metadata: {}, ...input } as TicketEvent;
      await bus.publishTicket(ticket);
      return ticket;
    },
    async publishCommand(envelope) {
      const signatures = new CommandSignatures(CommandKeysSchema.parse(STACK_KEYS.commandKeys), 3600);
      await bus.publishRaw([{
        topic: 'supervisor.commands', key: envelope.caseId, value: JSON.stringify(envelope),
        headers: { 'message-id': envelope.id, type: envelope.type, ...signatures.sign(envelope) },
      }]);
    },
    async stopSupervisor() {
      if (supervisorStopped) return;
      supervisorStopped = true;
      await (supervisorApp ? supervisorApp.close() : stopChild());
    },
    resetRateLimits() {
      gatewayApp.get(TokenBucketLimiter).reset();
    },
    async close() {
      await stopChild();
      for (const app of apps.reverse()) {
        if (app === supervisorApp && supervisorStopped) continue;
        await app.close().catch(() => undefined);
      }
      await bus.disconnect();
      await triageEmbedder.close();
      await Promise.all([db.end(), acmeDb.end()]);
    },
  };
}

/** Polls `probe` until it returns a value (not undefined) or the deadline passes. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
}
