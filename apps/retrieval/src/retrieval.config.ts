import { z } from 'zod';
import { AgentKitConfigSchema } from '@switchboard/agent-kit';
import { BusConfigSchema } from '@switchboard/bus';
import { MemoryConfigSchema } from '@switchboard/memory';
import { StoreConfigSchema } from '@switchboard/store';
import { env, MetricsConfigSchema } from '@switchboard/observability';

export const RetrievalConfigSchema = BusConfigSchema.extend(MetricsConfigSchema.shape).extend(AgentKitConfigSchema.shape).extend(MemoryConfigSchema.shape).extend(StoreConfigSchema.shape).extend({
  PORT: env.int(3103),
  LOG_LEVEL: z.enum(['error', 'warn', 'info', 'debug']).default('info'),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.string().url().optional(),
  /** Consumer group of this agent's task topic (default `switchboard.<agent>`); every replica shares it. */
  AGENT_GROUP_ID: z.string().min(1).optional(),
});
export type RetrievalConfig = z.infer<typeof RetrievalConfigSchema>;
