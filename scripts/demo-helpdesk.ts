// The helpdesk side of the demo (docs/helpdesk.md): the sample tickets are mirrored into the reference Zendesk (with
// their id as Zendesk's external_id, as a sync integration would), and what the helpdesk connector puts on them is
// printed as it lands: the public reply and its status, a private note, the routing and handoff of an escalation.
import { z } from 'zod';
import type { TicketEvent } from '@switchboard/contracts';

const RefTicketSchema = z.object({
  id: z.number(),
  external_id: z.string().nullable(),
  status: z.string(),
  group_id: z.number().nullable(),
  priority: z.string().nullable(),
  tags: z.array(z.string()),
  requester: z.object({ email: z.string() }),
  comments: z.array(z.object({ id: z.number(), author: z.string(), body: z.string(), public: z.boolean() })),
});

/**
 * Creates the ticket in the reference Zendesk (its test-only admin API) so the connector finds it by external_id.
 *
 * @example
 * await mirrorTicket('http://127.0.0.1:3410', ticket);
 */
export async function mirrorTicket(helpdesk: string, ticket: TicketEvent): Promise<number> {
  const res = await fetch(`${helpdesk}/_reference/tickets`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ subject: ticket.subject, description: ticket.body, requester: ticket.requester, external_id: ticket.externalId, organization: ticket.tenantId }),
  });
  if (res.status !== 201) throw new Error(`reference Zendesk refused ${ticket.externalId}: ${res.status} ${await res.text()}`);
  return (z.object({ ticket: z.object({ id: z.number() }) }).parse(await res.json())).ticket.id;
}

/**
 * Prints every comment the connector adds to the mirrored tickets (and the ticket's status, group and tags then),
 * until each ticket got at least one or `timeoutMs` passes. Returns how many tickets got something.
 *
 * @example
 * await printLanded('http://127.0.0.1:3410', new Map([['DEMO-1-2026…', 'DEMO-1 acme-eu']]), 60_000);
 */
export async function printLanded(helpdesk: string, labels: Map<string, string>, timeoutMs: number, out: (line: string) => void = (l) => void process.stdout.write(`${l}\n`)): Promise<number> {
  const printed = new Set<number>();
  const landed = new Set<string>();
  const deadline = Date.now() + timeoutMs;
  out(`\nOn the reference helpdesk (${helpdesk}/_reference/tickets):`);
  while (Date.now() < deadline && landed.size < labels.size) {
    const res = await fetch(`${helpdesk}/_reference/tickets`).catch(() => undefined);
    const tickets = res?.ok ? z.object({ tickets: z.array(RefTicketSchema) }).parse(await res.json()).tickets : [];
    for (const t of tickets) {
      const label = t.external_id ? labels.get(t.external_id) : undefined;
      if (!label) continue;
      for (const c of t.comments.filter((c) => c.author !== t.requester.email && !printed.has(c.id))) {
        printed.add(c.id);
        landed.add(t.external_id!);
        const kind = c.public ? `public reply, ticket now ${t.status}` : `private note${t.group_id ? `, routed to group ${t.group_id}` : ''}${t.priority && t.priority !== 'normal' ? `, priority ${t.priority}` : ''}`;
        const tags = t.tags.filter((x) => !x.startsWith('switchboard_dlv_'));
        out(`⇢ ${label.padEnd(18)} Zendesk #${t.id}: ${kind}${tags.length ? ` [${tags.join(', ')}]` : ''}`);
        out(`    ${c.body.split('\n').filter(Boolean).slice(0, 2).join(' / ').slice(0, 160)}`);
      }
    }
    if (landed.size < labels.size) await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  for (const [ext, label] of labels) if (!landed.has(ext)) out(`⇢ ${label.padEnd(18)} nothing on the ticket (no reply or note for this case yet; see the case's Helpdesk card in the console)`);
  return landed.size;
}
