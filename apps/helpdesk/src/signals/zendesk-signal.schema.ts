import { z } from 'zod';

const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const optionalText = (max: number) => z.preprocess(blankToUndefined, z.string().max(max).optional());

/**
 * The JSON body of our documented Zendesk trigger templates for ticket signals (docs/helpdesk.md). Placeholders
 * render as strings and unset ones as empty strings; `event` is fixed per trigger.
 */
export const ZendeskSignalSchema = z.object({
  event: z.enum(['reopened', 'customer_replied', 'satisfaction_rated']),
  ticket: z.object({
    id: z.union([z.string().regex(/^\d{1,19}$/, 'ticket.id must be a Zendesk ticket id'), z.number().int().positive()]).transform(String),
    status: optionalText(50),
    previous_status: optionalText(50),
    updated_at: z.preprocess(blankToUndefined, z.string().max(64).optional()),
    organization: z.object({ external_id: optionalText(100) }).optional(),
  }),
  comment: z.object({ id: optionalText(200), body: optionalText(8000), author: optionalText(320) }).optional(),
  satisfaction: z.object({
    // {{satisfaction.current_rating}} renders e.g. "Good, I'm satisfied" / "Bad, I'm unsatisfied".
    score: z.preprocess(blankToUndefined, z.string().max(100).optional()),
    comment: optionalText(4000),
  }).optional(),
}).superRefine((b, ctx) => {
  if (b.event === 'customer_replied' && !b.comment?.body) ctx.addIssue({ code: 'custom', path: ['comment', 'body'], message: 'a customer_replied event needs comment.body' });
  if (b.event === 'satisfaction_rated' && !/^(good|bad)/i.test(b.satisfaction?.score ?? '')) {
    ctx.addIssue({ code: 'custom', path: ['satisfaction', 'score'], message: 'a satisfaction_rated event needs satisfaction.score good or bad' });
  }
});
export type ZendeskSignal = z.infer<typeof ZendeskSignalSchema>;
