// A service deployed for a sovereign region refuses to start when its LLM policy names a Bedrock provider: the real
// built entry point is run and must exit with EX_CONFIG (78) and say why, before touching Kafka.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const providers = {
  'bedrock-eu': { kind: 'bedrock', awsRegion: 'eu-central-1', models: { default: 'anthropic.claude-3-5-haiku-20241022-v1:0' } },
  local: { kind: 'llama-cpp', modelPath: '/nonexistent/model.gguf' },
};

function runTriage(env: Record<string, string>) {
  const entry = join(ROOT, 'dist', 'apps', 'triage', 'src', 'main.js');
  if (!existsSync(entry)) throw new Error('dist/ is missing: run `npm run build` first');
  return spawnSync(process.execPath, [entry], {
    cwd: ROOT, timeout: 30_000, encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', HOME: homedir(), KAFKA_BROKERS: '127.0.0.1:9', PORT: '0', LOG_LEVEL: 'error', ...env },
  });
}

it('refuses to start in a sovereign deployment with a Bedrock provider configured', () => {
  const sut = runTriage({
    LLM_SOVEREIGN: 'true',
    LLM_PROVIDERS: JSON.stringify(providers),
    LLM_REGIONS: JSON.stringify({ 'eu-sovereign': { providers: ['local'] }, 'eu-central-1': { providers: ['bedrock-eu'] } }),
  });
  expect(sut.status).toBe(78);
  expect(sut.stderr).toContain('providers.bedrock-eu: Bedrock is not allowed in a sovereign deployment');
});

it('refuses unreadable configuration with every bad key listed', () => {
  const sut = runTriage({ KAFKA_BROKERS: 'not a broker', TRIAGE_MAX_REPAIRS: '-1' });
  expect(sut.status).toBe(78);
  expect(sut.stderr).toMatch(/KAFKA_BROKERS/);
  expect(sut.stderr).toMatch(/TRIAGE_MAX_REPAIRS/);
});
