// Shared helpers of the bus and store integration tests (real broker and database, unique names per run).
import { randomBytes } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { Kafka, logLevel, type Consumer, type KafkaMessage } from 'kafkajs';
import { z } from 'zod';
import { BusConfigSchema, type BusConfig, type TopicBinding } from '@switchboard/bus';
import { newMessageId, type Envelope } from '@switchboard/contracts';
import { TEST_KAFKA_BROKERS } from '../../../../test/support/env';

export const REPO_ROOT = join(__dirname, '..', '..', '..', '..');

/** Bus config tuned for tests: short backoff, fast heartbeats and fetches. */
export function testBusConfig(overrides: Record<string, string> = {}): BusConfig {
  return BusConfigSchema.parse({
    KAFKA_BROKERS: TEST_KAFKA_BROKERS.join(','),
    KAFKA_CLIENT_ID: 'switchboard-test',
    BUS_RETRY_BASE_MS: '100',
    BUS_HEARTBEAT_INTERVAL_MS: '300',
    BUS_SESSION_TIMEOUT_MS: '10000',
    BUS_FETCH_MAX_WAIT_MS: '100',
    ...overrides,
  });
}

export const uniqueName = (prefix: string): string => `${prefix}.${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
export const randomCaseId = (): string => `case_${randomBytes(12).toString('hex')}`;

/** Payload of the test topics: a per-case sequence number. */
export const TestPayloadSchema = z.object({ seq: z.number().int().nonnegative(), note: z.string().optional() }).strict();
export type TestPayload = z.infer<typeof TestPayloadSchema>;

export function testBinding(topic: string, partitions = 3): TopicBinding<TestPayload> {
  return { topic, partitions, type: 'test.event', schema: TestPayloadSchema };
}

export function testEnvelope(caseId: string, payload: TestPayload): Envelope<TestPayload> {
  return {
    id: newMessageId(), type: 'test.event', version: 1, caseId, tenantId: 'acme', region: 'us-east-1',
    correlationId: caseId, causationId: null, attempt: 0, occurredAt: new Date().toISOString(), payload,
  };
}

/** Polls `condition` until it holds or the deadline passes (no fixed sleeps). */
export async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function rawKafka(): Kafka {
  return new Kafka({ clientId: 'switchboard-test-raw', brokers: TEST_KAFKA_BROKERS, logLevel: logLevel.NOTHING });
}

/** Reads a topic from the beginning with a throwaway group; `messages` fills as records arrive. */
export async function collectTopic(topic: string): Promise<{ messages: KafkaMessage[]; stop: () => Promise<void> }> {
  const consumer: Consumer = rawKafka().consumer({ groupId: uniqueName('test.collector'), maxWaitTimeInMs: 100 });
  const messages: KafkaMessage[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => void messages.push(message) });
  return { messages, stop: () => consumer.disconnect() };
}

/** Starts `node -r register-ts.js <script> …args` and collects its stdout lines. */
export function spawnTs(script: string, args: string[], env: Record<string, string> = {}): { child: ChildProcess; lines: string[]; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['-r', join(__dirname, 'register-ts.js'), script, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let buffer = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    const parts = buffer.split('\n');
    buffer = parts.pop()!;
    lines.push(...parts);
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => {
    if (code !== 0 && code !== null && stderr) process.stderr.write(`[${script}] ${stderr}\n`);
    resolve(code);
  }));
  return { child, lines, exited };
}
