import { z } from 'zod';
import { RolloutModeSchema } from './common';
import { ActionSchema } from './resolver';

export const VerifierTaskSchema = z.object({
  taskId: z.string().min(1),
  actions: z.array(ActionSchema),
  draftReply: z.string(),
  summary: z.string(),
  mode: RolloutModeSchema,
  gatewayToken: z.string().min(1),
});
export type VerifierTask = z.infer<typeof VerifierTaskSchema>;

/** One read-back check: the state re-read through a read-scoped tool, compared with what the write promised. */
export const EvidenceSchema = z.object({
  tool: z.string(),
  arguments: z.record(z.string(), z.unknown()),
  expected: z.unknown(),
  observed: z.unknown(),
  passed: z.boolean(),
  forAction: z.string().optional(),
});
export type Evidence = z.infer<typeof EvidenceSchema>;

export const VerifierOutputSchema = z.object({
  verified: z.boolean(),
  evidence: z.array(EvidenceSchema),
  unsupportedClaims: z.array(z.string()).default([]),
  reason: z.string().optional(),
});
export type VerifierOutput = z.infer<typeof VerifierOutputSchema>;
