import { z } from 'zod';
import { AgentKitConfigSchema } from '@switchboard/agent-kit';
import { BusConfigSchema } from '@switchboard/bus';
import { LlmConfigSchema } from '@switchboard/llm';
import { GatewayAgentConfigSchema } from '@switchboard/task-tokens';
import { env, MetricsConfigSchema } from '@switchboard/observability';

export const ResolverConfigSchema = BusConfigSchema.extend(MetricsConfigSchema.shape).extend(AgentKitConfigSchema.shape).extend(LlmConfigSchema.shape).extend(GatewayAgentConfigSchema.shape).extend({
  PORT: env.int(3104),
  LOG_LEVEL: z.enum(['error', 'warn', 'info', 'debug']).default('info'),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.string().url().optional(),
  /** Consumer group of this agent's task topic (default `switchboard.<agent>`); every replica shares it. */
  AGENT_GROUP_ID: z.string().min(1).optional(),
  GATEWAY_URL: z.string().url().default('http://127.0.0.1:3200'),
  GATEWAY_TIMEOUT_MS: env.int(10_000),
  /** A call that failed this many times with the same arguments stops the loop (no flailing). */
  RESOLVER_MAX_REPEATED_FAILURES: env.int(2),
  /**
   * Run the free ReAct loop for tickets no procedure covers. Turn it off where the model cannot plan (the shipped 270M
   * local model): such tickets then go straight to a human instead of spending minutes on a loop that cannot succeed.
   */
  RESOLVER_FREE_LOOP: env.bool(true),
});
export type ResolverConfig = z.infer<typeof ResolverConfigSchema>;
export const RESOLVER_CONFIG = 'RESOLVER_CONFIG';
