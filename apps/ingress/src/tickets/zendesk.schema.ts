import { z } from 'zod';

const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

/**
 * The JSON body our documented Zendesk webhook template produces (docs/ingress.md): Zendesk placeholders such as
 * `{{ticket.id}}` render as strings, tags as one space-separated string, and unset fields as empty strings.
 */
export const ZendeskWebhookSchema = z.object({
  ticket: z.object({
    id: z.union([z.string().min(1), z.number().int()]).transform(String),
    subject: z.string().min(1),
    description: z.string().min(1),
    priority: z.preprocess(blankToUndefined, z.string().toLowerCase().pipe(z.enum(['low', 'normal', 'high', 'urgent'])).optional()),
    tags: z.preprocess(
      (v) => (typeof v === 'string' ? v.split(/[\s,]+/).filter(Boolean) : v),
      z.array(z.string().min(1)).max(50).default([]),
    ),
    created_at: z.preprocess(blankToUndefined, z.string().datetime({ offset: true }).optional()),
    url: z.preprocess(blankToUndefined, z.string().optional()),
    requester: z.object({ email: z.string().email(), name: z.preprocess(blankToUndefined, z.string().optional()) }),
    /** Zendesk brand id (`{{ticket.brand.id}}`): maps the ticket to a tenant when its organisation does not. */
    brand_id: z.preprocess(blankToUndefined, z.union([z.string().min(1).max(200), z.number().int()]).transform(String).optional()),
    organization: z.object({
      /** The tenant id, or an organisation the tenant registry maps to one. */
      external_id: z.preprocess(blankToUndefined, z.string().min(1).max(200).optional()),
      id: z.preprocess(blankToUndefined, z.union([z.string().min(1).max(200), z.number().int()]).transform(String).optional()),
      name: z.preprocess(blankToUndefined, z.string().optional()),
    }).default({}),
  }),
});
export type ZendeskWebhook = z.infer<typeof ZendeskWebhookSchema>;
