// The connector as a real process: a bad routing table or bad environment stops it with exit 78 (EX_CONFIG) and
// every problem listed, before it touches Kafka or Postgres.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { helpdeskEnv } from './support/harness';

jest.setTimeout(60_000);

const ROOT = join(__dirname, '..', '..', '..');

function runMain(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ['-r', join(ROOT, 'libs', 'bus', 'test', 'support', 'register-ts.js'), join(ROOT, 'apps', 'helpdesk', 'src', 'main.ts')], {
    cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stderr })));
}

it('exits 78 listing every problem of a bad routing table', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'hd-start-')), 'routing.yaml');
  writeFileSync(file, 'version: 1\nreply: { status: closed }\nescalation:\n  default: { group: abc }\n  routes:\n    - when: {}\n');
  const { code, stderr } = await runMain(helpdeskEnv('hd-start', 'http://127.0.0.1:9', { HELPDESK_ROUTING_FILE: file, KAFKA_BROKERS: '127.0.0.1:9' }));
  expect(code).toBe(78);
  expect(stderr).toContain(`helpdesk routing file ${file} is invalid:`);
  expect(stderr).toContain('  - reply.status:');
  expect(stderr).toContain('  - escalation.default.group:');
  expect(stderr).toContain('  - escalation.routes.0.when: a route needs at least one condition');
});

it('exits 78 naming every missing or bad variable', async () => {
  const { code, stderr } = await runMain({ HELPDESK_ADAPTER: 'webhook', HELPDESK_WEBHOOK_URL: 'not a url' });
  expect(code).toBe(78);
  expect(stderr).toContain('HELPDESK_WEBHOOK_URL');
  expect(stderr).toContain('HELPDESK_WEBHOOK_SECRET: HELPDESK_WEBHOOK_SECRET is required with HELPDESK_ADAPTER=webhook');
});
