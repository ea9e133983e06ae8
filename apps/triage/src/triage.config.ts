import { z } from 'zod';
import { AgentKitConfigSchema } from '@switchboard/agent-kit';
import { BusConfigSchema } from '@switchboard/bus';
import { DEFAULT_INTENTS } from '@switchboard/contracts';
import { LlmConfigSchema } from '@switchboard/llm';
import { env } from '@switchboard/observability';

export const TriageConfigSchema = BusConfigSchema.extend(AgentKitConfigSchema.shape).extend(LlmConfigSchema.shape).extend({
  PORT: env.int(3102),
  LOG_LEVEL: z.enum(['error', 'warn', 'info', 'debug']).default('info'),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.string().url().optional(),
  /** Consumer group of this agent's task topic (default `switchboard.<agent>`); every replica shares it. */
  AGENT_GROUP_ID: z.string().min(1).optional(),
  /** Intent taxonomy offered to the model; `other` is always added. */
  TRIAGE_INTENTS: env.list(DEFAULT_INTENTS.join(',')),
  TRIAGE_MAX_REPAIRS: env.int(2),
});
export type TriageConfig = z.infer<typeof TriageConfigSchema>;
export const TRIAGE_CONFIG = 'TRIAGE_CONFIG';
