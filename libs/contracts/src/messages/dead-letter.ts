import { z } from 'zod';

/**
 * A message that could not be processed, on `<topic>.dlq`: the reason and the original bytes (base64), so an
 * operator can read why and replay it after a fix.
 *
 * @example
 * DeadLetterSchema.parse(JSON.parse(dlqMessage.value.toString()));
 */
export const DeadLetterSchema = z.object({
  originalTopic: z.string(),
  partition: z.number().int(),
  offset: z.string(),
  key: z.string().nullable(),
  headers: z.record(z.string(), z.string()),
  originalValueBase64: z.string(),
  reason: z.object({
    code: z.string(),
    message: z.string(),
    issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  }),
  attempts: z.number().int().nonnegative(),
  consumerGroup: z.string(),
  failedAt: z.string(),
});
export type DeadLetter = z.infer<typeof DeadLetterSchema>;
