import { z } from 'zod';
import { AgentKitConfigSchema } from '@switchboard/agent-kit';
import { BusConfigSchema } from '@switchboard/bus';
import { GatewayAgentConfigSchema } from '@switchboard/task-tokens';
import { env, MetricsConfigSchema } from '@switchboard/observability';

export const VerifierConfigSchema = BusConfigSchema.extend(MetricsConfigSchema.shape).extend(AgentKitConfigSchema.shape).extend(GatewayAgentConfigSchema.shape).extend({
  PORT: env.int(3105),
  LOG_LEVEL: z.enum(['error', 'warn', 'info', 'debug']).default('info'),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.string().url().optional(),
  /** Consumer group of this agent's task topic (default `switchboard.<agent>`); every replica shares it. */
  AGENT_GROUP_ID: z.string().min(1).optional(),
  GATEWAY_URL: z.string().url().default('http://127.0.0.1:3200'),
  GATEWAY_TIMEOUT_MS: env.int(10_000),
});
export type VerifierConfig = z.infer<typeof VerifierConfigSchema>;
