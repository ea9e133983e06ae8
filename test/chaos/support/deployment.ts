// One Switchboard deployment as processes: which services, their environment, their ports. Secrets here are test
// values for loopback processes only.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { distEntry, freePort, ROOT, type ServiceSpec } from './fleet';

export const KEYS = {
  acme: 'chaos-acme-api-key-0123456789abcdef',
  gatewayAdmin: 'chaos-gateway-admin-key-0123456789',
  tokenSecret: 'chaos-gateway-token-secret-0123456789abcdefgh',
  supervisorApi: 'chaos-supervisor-api-key-0123456789',
  ingressApi: 'chaos-ingress-api-key-0123456789',
  commands: 'chaos:chaos-command-signing-key-0123456789abcdef',
  resolverAgent: 'chaos-resolver-agent-key-0123456789abcdef',
  verifierAgent: 'chaos-verifier-agent-key-0123456789abcdef',
};
/** The test stacks' registry: reference tenants in their regions, every other tenant placed in us-east-1. */
const TENANTS = { TENANT_REGISTRY_FILE: join(ROOT, 'test', 'support', 'tenants.test.yaml') };

export interface DeploymentOptions {
  brokers: string;
  /** KAFKA_TOPIC_PREFIX (consumer groups carry it too). */
  prefix: string;
  /** Switchboard's database and the reference backend's, as the services should reach them (maybe through a proxy). */
  databaseUrl: string;
  acmeDatabaseUrl: string;
  /** Replicas of the supervisor and of each agent. */
  replicas: number;
  /**
   * `scripted`: triage and resolver run test/chaos/agent-process.ts (the scripted model); `built`: they run their
   * dist/ entry point as shipped (local llama.cpp model). Every other service always runs as built (retrieval with the
   * ONNX MiniLM embeddings).
   */
  agents: 'scripted' | 'built';
  withIngress: boolean;
  /** Extra environment per service name prefix (`supervisor`, `gateway`, …) or `*` for all. */
  env?: Record<string, Record<string, string>>;
  /** Supervisor policy file. */
  policyFile?: string;
  memoryCollection?: string;
}

export async function deploymentSpecs(options: DeploymentOptions): Promise<ServiceSpec[]> {
  const kafka = { KAFKA_BROKERS: options.brokers, KAFKA_TOPIC_PREFIX: options.prefix, LOG_LEVEL: 'warn' };
  const acmePort = await freePort();
  const gatewayPort = await freePort();
  const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
  const model = join(process.env.SWITCHBOARD_CACHE ?? join(homedir(), '.cache', 'switchboard'), 'models', 'gemma-3-270m-q4_k_m.gguf');
  const llm = {
    LLM_PROVIDERS: JSON.stringify({ local: { kind: 'llama-cpp', modelPath: model } }),
    LLM_REGIONS: JSON.stringify({ 'us-east-1': { providers: ['local'] }, 'eu-central-1': { providers: ['local'] }, 'eu-sovereign': { providers: ['local'] } }),
  };
  const specs: ServiceSpec[] = [
    {
      name: 'acme', entry: distEntry('acme-backend'), port: acmePort,
      env: { LOG_LEVEL: 'warn', DATABASE_URL: options.acmeDatabaseUrl, ACME_API_KEY: KEYS.acme, ACME_SEED: 'if-empty' },
    },
    {
      name: 'gateway', entry: distEntry('gateway'), port: gatewayPort,
      env: {
        LOG_LEVEL: 'warn', DATABASE_URL: options.databaseUrl, GATEWAY_TOKEN_SECRET: KEYS.tokenSecret, GATEWAY_ADMIN_KEY: KEYS.gatewayAdmin,
        ACME_BASE_URL: `http://127.0.0.1:${acmePort}`, ACME_API_KEY: KEYS.acme, PROCEDURES_DIR: join(ROOT, 'procedures'),
        GATEWAY_AGENT_KEYS: `resolver:${KEYS.resolverAgent},verifier:${KEYS.verifierAgent}`,
      },
    },
  ];
  for (let r = 1; r <= options.replicas; r++) {
    specs.push({
      name: `supervisor-${r}`, entry: distEntry('supervisor'), port: await freePort(),
      env: {
        ...kafka, DATABASE_URL: options.databaseUrl, GATEWAY_TOKEN_SECRET: KEYS.tokenSecret, GATEWAY_ADMIN_KEY: KEYS.gatewayAdmin, GATEWAY_URL: gatewayUrl,
        SUPERVISOR_API_KEYS: KEYS.supervisorApi, SUPERVISOR_COMMAND_KEYS: KEYS.commands, ...TENANTS, ...(options.policyFile ? { SUPERVISOR_POLICY_FILE: options.policyFile } : {}),
      },
    });
    const script = join(ROOT, 'test', 'chaos', 'agent-process.ts');
    const scripted = options.agents === 'scripted';
    const memory = { DATABASE_URL: options.databaseUrl, MEMORY_STORE: 'pg', ...(options.memoryCollection ? { MEMORY_COLLECTION: options.memoryCollection } : {}) };
    specs.push(
      { name: `triage-${r}`, entry: scripted ? script : distEntry('triage'), args: scripted ? ['triage'] : [], port: await freePort(), env: { ...kafka, ...(scripted ? {} : llm) } },
      { name: `retrieval-${r}`, entry: distEntry('retrieval'), port: await freePort(), env: { ...kafka, ...memory } },
      { name: `resolver-${r}`, entry: scripted ? script : distEntry('resolver'), args: scripted ? ['resolver'] : [], port: await freePort(), env: { ...kafka, GATEWAY_URL: gatewayUrl, GATEWAY_AGENT_KEY: KEYS.resolverAgent, ...(scripted ? {} : llm) } },
      { name: `verifier-${r}`, entry: distEntry('verifier'), port: await freePort(), env: { ...kafka, GATEWAY_URL: gatewayUrl, GATEWAY_AGENT_KEY: KEYS.verifierAgent } },
    );
  }
  if (options.withIngress) {
    specs.push({ name: 'ingress', entry: distEntry('ingress'), port: await freePort(), env: { ...kafka, INGRESS_API_KEYS: KEYS.ingressApi, ...TENANTS } });
  }
  for (const spec of specs) {
    const base = spec.name.replace(/-\d+$/, '');
    Object.assign(spec.env, options.env?.['*'] ?? {}, options.env?.[base] ?? {});
  }
  return specs;
}
