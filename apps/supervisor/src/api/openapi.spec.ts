import { readFileSync } from 'node:fs';
import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { parse } from 'yaml';
import { HealthController } from '@switchboard/service-kit';
import { AuthController } from '../auth/auth.controller';
import { AdmissionController } from './admission.controller';
import { VerdictsController } from './verdicts.controller';
import { repoPath } from '../paths';
import { CasesController } from './cases.controller';
import { ConsoleController } from './console.controller';
import { HelpdeskController } from './helpdesk.controller';
import { MetricsController } from './metrics.controller';
import { OutcomesController } from './outcomes.controller';
import { RolloutController } from './rollout.controller';
import { QuarantineController } from './quarantine.controller';
import { ViewsController } from './views.controller';

const CONTROLLERS = [HealthController, AuthController, CasesController, ConsoleController, MetricsController, QuarantineController, HelpdeskController, ViewsController, OutcomesController, RolloutController, AdmissionController, VerdictsController];

/** Every route the controllers register, as `METHOD /path` with OpenAPI-style `{params}`. */
function registeredRoutes(): string[] {
  const routes: string[] = [];
  for (const controller of CONTROLLERS) {
    const base = String(Reflect.getMetadata(PATH_METADATA, controller) ?? '');
    for (const name of Object.getOwnPropertyNames(controller.prototype)) {
      const handler = (controller.prototype as unknown as Record<string, object>)[name]!;
      const path = Reflect.getMetadata(PATH_METADATA, handler);
      if (name === 'constructor' || path === undefined) continue;
      const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod];
      const full = `/${[base, path].map((p: string) => p.replace(/^\/|\/$/g, '')).filter(Boolean).join('/')}`.replace(/:([A-Za-z]+)/g, '{$1}');
      routes.push(`${method} ${full}`);
    }
  }
  return routes.sort();
}

describe('docs/openapi/supervisor.yaml', () => {
  const spec = parse(readFileSync(repoPath('docs', 'openapi', 'supervisor.yaml'), 'utf8')) as { openapi: string; paths: Record<string, Record<string, unknown>> };
  const documented = Object.entries(spec.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`)).sort();

  it('documents every registered route, and nothing that is not registered', () => {
    const sut = registeredRoutes();
    expect(sut.length).toBeGreaterThanOrEqual(13);
    expect(documented).toEqual(sut);
  });

  it('is OpenAPI 3.1 with responses for every operation', () => {
    expect(spec.openapi).toBe('3.1.0');
    for (const ops of Object.values(spec.paths)) for (const op of Object.values(ops) as Array<{ responses?: object }>) expect(Object.keys(op.responses ?? {})).not.toHaveLength(0);
  });
});
