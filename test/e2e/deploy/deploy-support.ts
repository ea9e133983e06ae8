import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { findRoot } from '../../../scripts/gen-config-docs';

export const ROOT = findRoot(__dirname);
export const CHART = join(ROOT, 'deploy', 'helm', 'switchboard');

/** A Kubernetes object as rendered (only the fields the specs read are typed). */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: any;
  data?: Record<string, string>;
}

/** The compose model as `docker compose config --format json` prints it. */
export interface ComposeModel {
  services: Record<string, { build?: { args?: Record<string, string> }; environment?: Record<string, string | null>; command?: string[]; networks?: Record<string, unknown> }>;
}

export interface Rendered {
  dir: string;
  compose: ComposeModel;
  regions: Map<string, K8sObject[]>;
}

/**
 * Renders compose and every region with the real tools (scripts/validate-deploy installs them into the cache if
 * missing; a cold Helm build takes a few minutes).
 */
export function renderAll(): Rendered {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-deploy-'));
  execFileSync(join(ROOT, 'scripts', 'validate-deploy'), ['render', dir], { stdio: ['ignore', 'inherit', 'inherit'], timeout: 20 * 60_000 });
  const compose = JSON.parse(readFileSync(join(dir, 'compose.json'), 'utf8')) as ComposeModel;
  const regions = new Map<string, K8sObject[]>();
  for (const region of regionNames()) {
    const docs = parseAllDocuments(readFileSync(join(dir, `${region}.yaml`), 'utf8'))
      .map((d) => d.toJS() as K8sObject | null)
      .filter((d): d is K8sObject => d !== null);
    regions.set(region, docs);
  }
  return { dir, compose, regions };
}

/** Regions = deploy/helm/switchboard/values-<region>.yaml. */
export function regionNames(): string[] {
  return readdirSync(CHART)
    .map((f) => /^values-(.+)\.yaml$/.exec(f)?.[1])
    .filter((r): r is string => !!r)
    .sort();
}

export function regionValues(region: string): Record<string, unknown> {
  return parseAllDocuments(readFileSync(join(CHART, `values-${region}.yaml`), 'utf8'))[0]!.toJS() as Record<string, unknown>;
}

export const componentOf = (o: K8sObject): string | undefined => o.metadata.labels?.['app.kubernetes.io/component'];

/**
 * The environment a Deployment's container gets: its envFrom ConfigMaps' data plus its `env` entries. Secret-backed
 * entries get a placeholder that passes the usual checks (a URL for *_URL, 40 characters otherwise); optional ones
 * are left out, as an unset optional Secret key would be.
 */
/** Placeholders of Secret values that have a shape of their own (key lists). */
const SHAPED_SECRETS: Record<string, string> = {
  SUPERVISOR_COMMAND_KEYS: `console:${'x'.repeat(40)}`,
  GATEWAY_AGENT_KEYS: `resolver:${'x'.repeat(40)},verifier:${'y'.repeat(40)}`,
};

export function containerEnv(objects: K8sObject[], deployment: K8sObject): { env: Record<string, string>; secretKeys: string[] } {
  const container = deployment.spec.template.spec.containers[0];
  const env: Record<string, string> = {};
  for (const from of container.envFrom ?? []) {
    const cm = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === from.configMapRef?.name);
    if (!cm) throw new Error(`${deployment.metadata.name}: envFrom ConfigMap ${from.configMapRef?.name} is not rendered`);
    Object.assign(env, cm.data);
  }
  const secretKeys: string[] = [];
  for (const e of container.env ?? []) {
    if (e.value !== undefined) env[e.name] = String(e.value);
    else if (e.valueFrom?.secretKeyRef) {
      secretKeys.push(e.name);
      if (!e.valueFrom.secretKeyRef.optional) env[e.name] = SHAPED_SECRETS[e.name] ?? (e.name.endsWith('_URL') ? 'postgres://u:p@db.internal:5432/x' : 'x'.repeat(40));
    }
  }
  return { env, secretKeys };
}
