import { z } from 'zod';
import { PrioritySchema, TenantIdSchema, type Priority } from '@switchboard/contracts';

// Zendesk tags: lowercase, no spaces (Zendesk turns a space into a new tag); `:` `/` `-` `_` `.` are kept.
const Tag = z.string().regex(/^[a-z0-9][a-z0-9_:/.-]{0,79}$/, 'tags are lowercase letters, digits and _ : / . - (no spaces, at most 80)');
// Zendesk group ids are integers; YAML may give them as numbers or strings.
const GroupId = z.union([z.number().int().positive(), z.string().regex(/^\d{1,20}$/)]).transform(String);
const ReplyStatus = z.enum(['open', 'pending', 'hold', 'solved']);
const Label = z.string().min(1).max(100).regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, _ . - only');

const RouteTarget = z.object({
  /** Zendesk group the ticket is assigned to (the `group` of the generic webhook's route). */
  group: GroupId.optional(),
  tags: z.array(Tag).max(20).default([]),
  priority: PrioritySchema.optional(),
}).strict();

const Route = RouteTarget.extend({
  /** Every given field must match; `reason` is the escalation breaker, or `agent_decision` when none fired. */
  when: z.object({ intent: Label.optional(), tenant: TenantIdSchema.optional(), reason: Label.optional(), mode: z.enum(['shadow', 'assist', 'autonomous']).optional() })
    .strict()
    .refine((w) => Object.keys(w).length > 0, 'a route needs at least one condition (intent, tenant, reason or mode); use escalation.default for the rest'),
}).strict();

/**
 * The helpdesk routing table (docs/helpdesk.md): what a verified reply does to the ticket, and where an escalation
 * goes. Parsed once at start-up; a bad file stops the service with every problem listed (exit 78).
 *
 * @example
 * RoutingSchema.parse({ version: 1, reply: { status: 'solved' }, escalation: { default: { group: 360001, tags: ['switchboard'] } } });
 */
export const RoutingSchema = z.object({
  version: z.literal(1),
  reply: z.object({
    /** Ticket status after the public reply: `solved`, or `pending` to wait for the customer's confirmation. */
    status: ReplyStatus.default('solved'),
    tags: z.array(Tag).max(20).default([]),
    tenants: z.record(TenantIdSchema, z.object({ status: ReplyStatus }).strict()).default({}),
  }).strict().default({ status: 'solved', tags: [], tenants: {} }),
  notes: z.object({ tags: z.array(Tag).max(20).default([]) }).strict().default({ tags: [] }),
  escalation: z.object({
    default: RouteTarget.default({ tags: [] }),
    /** First match wins. */
    routes: z.array(Route).max(500).default([]),
    /** Shadow mode only drafts notes; set true to also route shadow escalations (group, tags, priority). */
    routeShadow: z.boolean().default(false),
  }).strict().default({ default: { tags: [] }, routes: [], routeShadow: false }),
}).strict();
export type Routing = z.infer<typeof RoutingSchema>;

/** Where an escalation goes, as resolved from the table. */
export interface Route {
  group?: string;
  tags: string[];
  priority?: Priority;
  /** Index of the matching route, or -1 for the default. */
  matched: number;
}

/**
 * The first route whose conditions all match, else the default; route tags add to the default's.
 *
 * @example
 * routeFor(routing, { intent: 'refund', tenant: 'globex', reason: 'approval_rejected', mode: 'autonomous' }).group;
 */
export function routeFor(routing: Routing, c: { intent?: string | undefined; tenant: string; reason: string; mode: string }): Route {
  const index = routing.escalation.routes.findIndex((r) =>
    (r.when.intent === undefined || r.when.intent === c.intent) && (r.when.tenant === undefined || r.when.tenant === c.tenant)
    && (r.when.reason === undefined || r.when.reason === c.reason) && (r.when.mode === undefined || r.when.mode === c.mode));
  const d = routing.escalation.default;
  const r = index >= 0 ? routing.escalation.routes[index]! : undefined;
  const group = r?.group ?? d.group;
  const priority = r?.priority ?? d.priority;
  return { ...(group ? { group } : {}), tags: [...new Set([...d.tags, ...(r?.tags ?? [])])], ...(priority ? { priority } : {}), matched: index };
}

/** The status a verified reply leaves the ticket in, for a tenant. */
export function replyStatusFor(routing: Routing, tenant: string): z.infer<typeof ReplyStatus> {
  return routing.reply.tenants[tenant]?.status ?? routing.reply.status;
}
