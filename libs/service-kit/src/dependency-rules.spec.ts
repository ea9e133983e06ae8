import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

// The module boundaries of .dependency-cruiser.js (issue 18), each checked against a planted violation: a file placed
// where the rule applies, importing what the rule forbids. dependency-cruiser runs as `npm run lint` does.
const ROOT = join(__dirname, '..', '..', '..');

function violations(plantAt: string, source: string): string {
  // A unique name, keeping a spec a spec (`planted.spec.ts` → `planted-1a2b3c4d.spec.ts`).
  const file = join(ROOT, plantAt.replace(/(\.spec)?\.ts$/, (ext) => `-${randomBytes(4).toString('hex')}${ext}`));
  writeFileSync(file, source);
  try {
    execFileSync(join(ROOT, 'node_modules', '.bin', 'depcruise'), [file, '--config', '.dependency-cruiser.js', '--output-type', 'err'], { cwd: ROOT, encoding: 'utf8', stdio: 'pipe' });
    return '';
  } catch (error) {
    return String((error as { stdout?: string }).stdout ?? '');
  } finally {
    rmSync(file, { force: true });
  }
}

jest.setTimeout(60_000);

describe('dependency rules for the service kit and task tokens', () => {
  it.each([
    ['gateway-not-to-its-client', 'apps/gateway/src/planted.ts', "import { GatewayClient } from '@switchboard/gateway-client';\nexport const x = GatewayClient;\n"],
    ['non-agents-not-to-agent-kit', 'apps/ingress/src/planted.ts', "import { AgentWorker } from '@switchboard/agent-kit';\nexport const x = AgentWorker;\n"],
    ['service-kit-stays-generic', 'libs/service-kit/src/planted.ts', "import { KafkaBus } from '@switchboard/bus';\nexport const x = KafkaBus;\n"],
    ['task-tokens-stay-small', 'libs/task-tokens/src/planted.ts', "import { Pool } from 'pg';\nexport const x = Pool;\n"],
    ['nest-microservices-only-in-bus-transport', 'apps/supervisor/src/planted.ts', "import { ServerKafka } from '@nestjs/microservices';\nexport const x = ServerKafka;\n"],
    ['bus-transport-stays-thin', 'libs/bus-transport/src/planted.ts', "import { Pool } from 'pg';\nexport const x = Pool;\n"],
  ])('%s refuses a planted import', (rule, at, source) => {
    expect(violations(at, source)).toContain(rule);
  });

  it('lets the same places import what they are meant to', () => {
    expect(violations('apps/gateway/src/planted.ts', "import { HealthController } from '@switchboard/service-kit';\nexport const x = HealthController;\n")).toBe('');
    expect(violations('apps/supervisor/src/planted.ts', "import { EventPattern } from '@switchboard/bus-transport';\nexport const x = EventPattern;\n")).toBe('');
  });
});

describe("dependency rules between the supervisor's case engine and its console", () => {
  it.each([
    ['case-engine-not-to-console', 'apps/supervisor/src/case/planted.ts', "import { CommandConflictError } from '../console/console.service';\nexport const x = CommandConflictError;\n"],
    ['case-engine-not-to-console', 'apps/supervisor/src/admission/planted.ts', "import { ActorGuard } from '../auth/actor.guard';\nexport const x = ActorGuard;\n"],
    ['shared-not-to-console', 'apps/supervisor/src/rollout/planted.ts', "import { CaseNotFoundError } from '../console/console.service';\nexport const x = CaseNotFoundError;\n"],
    ['shared-not-to-console', 'apps/supervisor/src/policy/planted.ts', "import type { Actor } from '../auth/actor';\nexport const x: Actor | undefined = undefined;\n"],
    ['console-through-case-surface', 'apps/supervisor/src/console/planted.ts', "import { decide } from '../case/case.machine';\nexport const x = decide;\n"],
    ['console-through-case-surface', 'apps/supervisor/src/api/planted.ts', "import { CaseService } from '../case/case.service';\nexport const x = CaseService;\n"],
  ])('%s refuses a planted import (%s)', (rule, at, source) => {
    expect(violations(at, source)).toContain(rule);
  });

  it('lets the console use the command rule and read cases, and specs wire both sides', () => {
    expect(violations('apps/supervisor/src/console/planted.ts', "import { commandBlocker } from '../case/command-rules';\nimport { CaseRepository } from '../case/case.repository';\nexport const x = [commandBlocker, CaseRepository];\n")).toBe('');
    expect(violations('apps/supervisor/src/case/planted.spec.ts', "import { ConsoleService } from '../console/console.service';\nexport const x = ConsoleService;\n")).toBe('');
  });
});
