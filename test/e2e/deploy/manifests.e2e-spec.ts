// Checks the deployment files against the code: every app is deployable everywhere, every variable a manifest sets
// is one its service's zod schema knows (and the result parses), and the sovereign region carries no Bedrock config.
// Renders with the real tools via scripts/validate-deploy (compose config + helm template); the strict schema
// validation of the rendered objects is scripts/validate-deploy's own job.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { LlmConfigSchema, loadLlmPolicy, type LlmConfig } from '@switchboard/llm';
import { loadConfig } from '@switchboard/observability';
import { knownKeysByService, listApps, loadServiceSchemas, type ServiceSchema } from '../../../scripts/gen-config-docs';
import { CHART, componentOf, containerEnv, ROOT, regionNames, regionValues, renderAll, type K8sObject, type Rendered } from './deploy-support';

const apps = listApps(ROOT);
const schemas = new Map<string, ServiceSchema>(loadServiceSchemas(ROOT, ROOT).map((s) => [s.service, s]));
const known = knownKeysByService([...schemas.values()]);
const LLM_KEYS = ['LLM_POLICY_FILE', 'LLM_PROVIDERS', 'LLM_REGIONS'];
let rendered: Rendered;

beforeAll(() => {
  rendered = renderAll();
}, 20 * 60_000);
afterAll(() => rendered && rmSync(rendered.dir, { recursive: true, force: true }));

const unknownKeys = (service: string, env: Record<string, unknown>): string[] => Object.keys(env).filter((k) => !known.get(service)!.has(k));

/** Parses env with the service's schema, as the service does at boot; returns the problems. */
function parseProblems(service: string, env: Record<string, string>): string[] {
  const result = schemas.get(service)!.schema.safeParse(env);
  return result.success ? [] : result.error.issues.map((i) => `${service}: ${i.path.join('.')}: ${i.message}`);
}

describe('Dockerfile', () => {
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');

  it('builds any app by name and runs it as a non-root user', () => {
    expect(dockerfile).toMatch(/^ARG APP$/m);
    expect(dockerfile).toContain('dist/apps/${APP}/src/main.js');
    expect(dockerfile).toMatch(/^USER node$/m);
    for (const app of apps) expect(existsSync(join(ROOT, 'apps', app, 'src', 'main.ts'))).toBe(true);
  });

  it('copies every folder the runtime stage needs and that the build context keeps', () => {
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim());
    for (const needed of ['apps', 'libs', 'scripts', 'patches', 'package.json', 'package-lock.json', 'data']) expect(ignored).not.toContain(needed);
  });

  it('ships the Node major the tests run on, the one scripts/fetch-node fetches and package.json requires', () => {
    const image = /^ARG NODE_IMAGE=node:(\d+)-/m.exec(dockerfile)?.[1];
    const fetched = /^NODE_VERSION=(\d+)\./m.exec(readFileSync(join(ROOT, 'scripts', 'fetch-node'), 'utf8'))?.[1];
    const engines = /^>=(\d+)/.exec((JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } }).engines.node)?.[1];
    expect(image).toBeDefined();
    expect({ fetched, engines, running: process.versions.node.split('.')[0] }).toEqual({ fetched: image, engines: image, running: image });
  });

  it('installs with every dependency\'s install script reviewed in package.json (npm 12 skips the unreviewed ones)', () => {
    // npm 11.16+ (Node 24's) lists the installed packages whose install scripts package.json's allowScripts does not
    // cover; npm 12 no longer runs them, so onnxruntime-node, node-llama-cpp or @swc/core would install broken.
    const pending = JSON.parse(execFileSync('npm', ['install-scripts', 'ls', '--json'], { cwd: ROOT, encoding: 'utf8' })) as { allowScripts: Array<{ name: string }> };
    expect(pending.allowScripts.map((p) => p.name)).toEqual([]);
  });
});

describe('docker-compose.yml', () => {
  const services = (): Array<[string, string, Record<string, string | null>]> =>
    Object.entries(rendered.compose.services)
      .filter(([, s]) => s.build?.args?.['APP'])
      .map(([name, s]) => [name, s.build!.args!['APP']!, s.environment ?? {}]);

  it('has a service built from the Dockerfile for every app, and only for apps', () => {
    const built = new Set(services().map(([, app]) => app));
    expect([...built].sort()).toEqual(apps);
    for (const [, app] of services()) expect(apps).toContain(app);
    expect(Object.keys(rendered.compose.services)).toEqual(expect.arrayContaining(['kafka', 'postgres', 'qdrant', 'ollama', 'ollama-pull']));
  });

  it('sets only variables the service schema knows, and the result parses', () => {
    const problems: string[] = [];
    for (const [name, app, env] of services()) {
      problems.push(...unknownKeys(app, env).map((k) => `${name} (${app}): unknown variable ${k}`));
      if (!rendered.compose.services[name]!.command) {
        const values = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v ?? '']));
        problems.push(...parseProblems(app, values));
      }
    }
    expect(problems).toEqual([]);
  });

  it('gives the model-calling services an LLM policy that loads', () => {
    for (const [name, app, env] of services()) {
      if (!LLM_KEYS.some((k) => env[k])) continue;
      const config = schemas.get(app)!.schema.parse(env) as unknown as LlmConfig;
      const policy = loadLlmPolicy(config);
      for (const provider of Object.values(policy.providers)) expect([name, provider.kind]).toEqual([name, 'ollama']);
    }
  });

  it('lets only the gateway share a network with the reference backend', () => {
    const backendNets = Object.keys(rendered.compose.services['acme-backend']!.networks ?? {});
    for (const [name, s] of Object.entries(rendered.compose.services)) {
      const shared = Object.keys(s.networks ?? {}).filter((n) => backendNets.includes(n));
      if (shared.length && name !== 'acme-backend' && name !== 'postgres') expect(name).toBe('gateway');
    }
  });

  it('.env.example and the compose file name the same variables', () => {
    const compose = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
    const referenced = new Set([...compose.matchAll(/\$\{([A-Z][A-Z0-9_]*)/g)].map((m) => m[1]!));
    const example = new Set(
      readFileSync(join(ROOT, '.env.example'), 'utf8')
        .split('\n')
        .map((l) => /^([A-Z][A-Z0-9_]*)=/.exec(l)?.[1])
        .filter((k): k is string => !!k),
    );
    expect([...example].filter((k) => !referenced.has(k))).toEqual([]);
    expect([...referenced].filter((k) => !example.has(k))).toEqual([]);
  });
});

describe.each(regionNames())('Helm chart, region %s', (region) => {
  const objects = (): K8sObject[] => rendered.regions.get(region)!;
  const deployments = (): K8sObject[] => objects().filter((o) => o.kind === 'Deployment');
  const sovereign = regionValues(region)['sovereign'] === true;

  it('deploys every app under apps/ with a Service and a PodDisruptionBudget', () => {
    const components = deployments().map((d) => componentOf(d)!);
    expect([...components].sort()).toEqual(apps);
    for (const app of apps) {
      expect(objects().some((o) => o.kind === 'Service' && componentOf(o) === app)).toBe(true);
      const pdb = objects().find((o) => o.kind === 'PodDisruptionBudget' && o.spec.selector.matchLabels['app.kubernetes.io/component'] === app);
      expect(pdb).toBeDefined();
    }
  });

  it('sets only variables the service schema knows, provides every required one, and the result parses', () => {
    const problems: string[] = [];
    for (const d of deployments()) {
      const app = componentOf(d)!;
      const { env } = containerEnv(objects(), d);
      problems.push(...unknownKeys(app, env).map((k) => `${d.metadata.name} (${app}): unknown variable ${k}`));
      problems.push(...parseProblems(app, env));
    }
    expect(problems).toEqual([]);
  });

  it('probes /health/live and /health/ready on the port the service listens on, with requests and limits', () => {
    for (const d of deployments()) {
      const c = d.spec.template.spec.containers[0];
      const { env } = containerEnv(objects(), d);
      const port = c.ports.find((p: { name: string }) => p.name === c.readinessProbe.httpGet.port);
      expect([d.metadata.name, port?.containerPort]).toEqual([d.metadata.name, Number(env['PORT'])]);
      expect(c.livenessProbe.httpGet.path).toBe('/health/live');
      expect(c.readinessProbe.httpGet.path).toBe('/health/ready');
      expect(c.resources.requests).toEqual(expect.objectContaining({ cpu: expect.anything(), memory: expect.anything() }));
      expect(c.resources.limits).toEqual(expect.objectContaining({ cpu: expect.anything(), memory: expect.anything() }));
      expect(d.spec.template.spec.securityContext.runAsNonRoot).toBe(true);
    }
  });

  it('scales every agent on the lag of the consumer group it really uses', () => {
    const agents = ['triage', 'retrieval', 'resolver', 'verifier'].filter((a) => apps.includes(a));
    for (const agent of agents) {
      const so = objects().find((o) => o.kind === 'ScaledObject' && o.spec.scaleTargetRef.name.endsWith(`-${agent}`));
      expect(so).toBeDefined();
      const trigger = so!.spec.triggers.find((t: { type: string }) => t.type === 'kafka');
      // libs/agent-kit: the group is AGENT_GROUP_ID when set, else `switchboard.<agent>`.
      const deployment = deployments().find((d) => d.metadata.name === so!.spec.scaleTargetRef.name)!;
      const { env } = containerEnv(objects(), deployment);
      expect(trigger.metadata.consumerGroup).toBe(env['AGENT_GROUP_ID'] ?? `switchboard.${agent}`);
      expect(so!.spec.maxReplicaCount).toBeLessThanOrEqual(6);
    }
  });

  it('gives the model-calling services an LLM policy that loads and covers the region', () => {
    const cm = objects().find((o) => o.kind === 'ConfigMap' && o.metadata.name.endsWith('-llm-policy'))!;
    const dir = mkdtempSync(join(tmpdir(), 'switchboard-llm-'));
    try {
      const file = join(dir, 'policy.yaml');
      writeFileSync(file, cm.data!['policy.yaml']!);
      const policy = loadLlmPolicy({ LLM_POLICY_FILE: file, LLM_TIMEOUT_MS: 1000 } as LlmConfig);
      expect(Object.keys(policy.regions)).toContain(region);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('lets only the gateway reach the backends', () => {
    const policies = objects().filter((o) => o.kind === 'NetworkPolicy');
    const backendsPeers = JSON.stringify((parseYaml(readFileSync(join(CHART, 'values.yaml'), 'utf8')) as { networkPolicy: { backends: { to: unknown } } }).networkPolicy.backends.to);
    for (const p of policies) {
      const egress = JSON.stringify(p.spec.egress ?? []);
      const reachesBackend = egress.includes('"app.kubernetes.io/component":"acme-backend"') || egress.includes(backendsPeers.slice(1, -1));
      if (reachesBackend) expect(p.spec.podSelector.matchLabels['app.kubernetes.io/component']).toBe('gateway');
    }
    const acme = policies.find((p) => p.spec.podSelector.matchLabels['app.kubernetes.io/component'] === 'acme-backend')!;
    const from = acme.spec.ingress.flatMap((r: { from: Array<{ podSelector?: { matchLabels: Record<string, string> } }> }) => r.from);
    expect(from.map((f: { podSelector?: { matchLabels: Record<string, string> } }) => f.podSelector?.matchLabels['app.kubernetes.io/component'])).toEqual(['gateway']);
  });

  it('holds no static cloud credentials', () => {
    const text = JSON.stringify(objects());
    expect(text).not.toMatch(/AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|AWS_SESSION_TOKEN/);
    // Credentials come from an existing Secret; a region's values never make the chart render one.
    expect(objects().filter((x) => x.kind === 'Secret').map((x) => x.metadata.name)).toEqual([]);
  });

  if (sovereign) {
    it('sovereign: renders no Bedrock configuration and no AWS identity', () => {
      const text = JSON.stringify(objects());
      expect(text).not.toMatch(/bedrock/i);
      expect(text).not.toMatch(/amazonaws|eks\.amazonaws\.com\/role-arn|arn:aws/);
    });

    it('sovereign: model calls go only to the in-cluster Ollama, and the model callers reach nothing outside', () => {
      const ollama = objects().find((o) => o.kind === 'Service' && componentOf(o) === 'ollama');
      expect(ollama).toBeDefined();
      const cm = objects().find((o) => o.kind === 'ConfigMap' && o.metadata.name.endsWith('-llm-policy'))!;
      const policy = parseYaml(cm.data!['policy.yaml']!) as { providers: Record<string, { kind: string; host?: string }> };
      for (const p of Object.values(policy.providers)) {
        expect(['ollama', 'llama-cpp']).toContain(p.kind);
        if (p.kind === 'ollama') expect(p.host).toBe(`http://${ollama!.metadata.name}:${ollama!.spec.ports[0].port}`);
      }
      for (const d of deployments()) {
        const { env } = containerEnv(objects(), d);
        if (!LLM_KEYS.some((k) => env[k])) continue;
        const np = objects().find((o) => o.kind === 'NetworkPolicy' && o.spec.podSelector.matchLabels['app.kubernetes.io/component'] === componentOf(d))!;
        // Peers are pods or namespaces of this cluster; an ipBlock would be an address outside it.
        expect(JSON.stringify(np.spec.egress)).not.toContain('ipBlock');
      }
    });

    it('sovereign: every model caller runs with LLM_SOVEREIGN, so a Bedrock provider slipped into its policy stops it at start-up', () => {
      const callers = deployments().filter((d) => LLM_KEYS.some((k) => containerEnv(objects(), d).env[k]));
      expect(callers.length).toBeGreaterThan(0);
      for (const d of callers) expect(containerEnv(objects(), d).env['LLM_SOVEREIGN']).toBe('true');
      const cm = objects().find((o) => o.kind === 'ConfigMap' && o.metadata.name.endsWith('-llm-policy'))!;
      const policy = parseYaml(cm.data!['policy.yaml']!) as { providers: Record<string, unknown>; regions: Record<string, unknown> };
      const withBedrock = { ...policy, providers: { ...policy.providers, 'bedrock-x': { kind: 'bedrock', awsRegion: 'eu-central-1', models: { default: 'm' } } } };
      expect(() => loadLlmPolicy(loadConfig(LlmConfigSchema, {
        LLM_SOVEREIGN: 'true', LLM_PROVIDERS: JSON.stringify(withBedrock.providers), LLM_REGIONS: JSON.stringify(withBedrock.regions),
      }))).toThrow(/Bedrock is not allowed in a sovereign deployment/);
    });
  } else {
    it('non-sovereign LLM regions authenticate by workload identity (IRSA) when they use Bedrock', () => {
      const cm = objects().find((o) => o.kind === 'ConfigMap' && o.metadata.name.endsWith('-llm-policy'))!;
      if (!/kind: bedrock/.test(cm.data!['policy.yaml']!)) return;
      const sa = objects().find((o) => o.kind === 'ServiceAccount')!;
      expect(sa.metadata.annotations?.['eks.amazonaws.com/role-arn']).toMatch(/^arn:aws:iam::\d{12}:role\//);
    });
  }
});
