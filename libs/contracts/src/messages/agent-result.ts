import { z } from 'zod';
import { ErrorInfoSchema, UsageSchema } from './common';
import { ResolverOutputSchema } from './resolver';
import { RetrievalOutputSchema } from './retrieval';
import { TriageOutputSchema } from './triage';
import { VerifierOutputSchema } from './verifier';

const base = {
  taskId: z.string().min(1),
  status: z.enum(['ok', 'failed']),
  usage: UsageSchema.default({ llmCalls: 0, inputTokens: 0, outputTokens: 0, costUsd: 0 }),
  toolErrors: z.number().int().nonnegative().default(0),
  error: ErrorInfoSchema.optional(),
};

/**
 * What every agent publishes on `agent.results`: either `status: 'ok'` with its output, or `status: 'failed'` with
 * the error as data. The supervisor matches results to outstanding tasks by `taskId` and ignores stale ones.
 *
 * @example
 * AgentResultSchema.parse({ agent: 'triage', taskId: 't1', status: 'ok', output: {...} });
 */
export const AgentResultSchema = z
  .discriminatedUnion('agent', [
    z.object({ agent: z.literal('triage'), ...base, output: TriageOutputSchema.optional() }),
    z.object({ agent: z.literal('retrieval'), ...base, output: RetrievalOutputSchema.optional() }),
    z.object({ agent: z.literal('resolver'), ...base, output: ResolverOutputSchema.optional() }),
    z.object({ agent: z.literal('verifier'), ...base, output: VerifierOutputSchema.optional() }),
  ])
  .superRefine((r, ctx) => {
    if (r.status === 'ok' && r.output === undefined) ctx.addIssue({ code: 'custom', message: 'an ok result needs an output', path: ['output'] });
    if (r.status === 'failed' && r.error === undefined) ctx.addIssue({ code: 'custom', message: 'a failed result needs an error', path: ['error'] });
  });
export type AgentResult = z.infer<typeof AgentResultSchema>;
