import { z } from 'zod';
import { TaskDeadlineSchema } from './common';
import { TriageOutputSchema } from './triage';

export const RetrievalTaskSchema = z.object({
  taskId: z.string().min(1),
  deadline: TaskDeadlineSchema,
  query: z.string().min(1).max(20_000),
  triage: TriageOutputSchema,
  limit: z.number().int().positive().max(50).default(5),
});
export type RetrievalTask = z.infer<typeof RetrievalTaskSchema>;

/** One cited passage from the knowledge base or from remembered resolutions. */
export const PassageSchema = z.object({
  chunkId: z.string(),
  documentId: z.string(),
  title: z.string(),
  section: z.string(),
  text: z.string(),
  score: z.number(),
  source: z.enum(['runbook', 'resolution']),
  /**
   * `customer`: a help-centre article a reply may quote; `internal`: runbooks and remembered resolutions (the default,
   * also for messages from older retrieval versions), context for agents and humans only.
   */
  audience: z.enum(['customer', 'internal']).default('internal'),
});
export type Passage = z.infer<typeof PassageSchema>;

export const RetrievalOutputSchema = z.object({ passages: z.array(PassageSchema) });
export type RetrievalOutput = z.infer<typeof RetrievalOutputSchema>;
