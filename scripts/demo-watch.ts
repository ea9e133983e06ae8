// Publishes the demo tickets through the ingress HTTP API and prints each case's path through the supervisor as it
// happens, then a summary table. Run by scripts/demo after the services are up:
//   node dist/scripts/demo-watch.js --tickets data/demo/tickets.json --ingress URL --ingress-key K --supervisor URL --supervisor-key K [--approve]
// With --approve a write held for approval is approved through the case API, as a supervisor would in the console, so
// the demo shows the held → approved → executed → verified path; without it the case waits in AWAITING_APPROVAL.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { caseIdFor, TicketEventSchema } from '@switchboard/contracts';
import { mirrorTicket, printLanded } from './demo-helpdesk';

const { values: args } = parseArgs({
  options: {
    tickets: { type: 'string', default: 'data/demo/tickets.json' },
    ingress: { type: 'string', default: 'http://127.0.0.1:3000' },
    'ingress-key': { type: 'string' },
    supervisor: { type: 'string', default: 'http://127.0.0.1:3101' },
    'supervisor-key': { type: 'string' },
    'timeout-seconds': { type: 'string', default: '900' },
    approve: { type: 'boolean', default: false },
    /** The reference Zendesk (scripts/demo): tickets are mirrored there first, and what lands on them is printed. */
    helpdesk: { type: 'string' },
  },
});

// AWAITING_APPROVAL waits for a human in the console; without --approve it is as far as the case goes on its own.
const TERMINAL = new Set(['RESOLVED', 'ESCALATED', 'FAILED', 'CLOSED', ...(args.approve ? [] : ['AWAITING_APPROVAL'])]);
const CaseSchema = z.object({
  status: z.string(),
  mode: z.string(),
  intent: z.string().nullable(),
  state: z.object({
    counters: z.object({ llmCalls: z.number() }).partial().optional(),
    resolution: z.object({ procedure: z.object({ id: z.string(), version: z.number() }).optional() }).partial().optional(),
    verification: z.object({ verified: z.boolean(), passed: z.number(), evidence: z.number() }).optional(),
    approval: z.object({ approvalId: z.string(), tool: z.string(), arguments: z.record(z.string(), z.unknown()), reason: z.string(), approvedBy: z.string().optional() }).optional(),
  }).passthrough(),
  transitions: z.array(z.object({ from_status: z.string(), to_status: z.string(), reason: z.string(), at: z.string() })),
  trace: z.array(z.object({ input_tokens: z.number().nullable(), output_tokens: z.number().nullable(), cost_usd: z.number().nullable() })),
});

function fail(message: string): never {
  process.stderr.write(`demo-watch: ${message}\n`);
  process.exit(1);
}

async function main(): Promise<void> {
  const ingressKey = args['ingress-key'] ?? fail('--ingress-key is required');
  const supervisorKey = args['supervisor-key'] ?? fail('--supervisor-key is required');
  const run = new Date().toISOString().replace(/[-:T.Z]/g, '').slice(0, 14);
  const raw = z.array(z.record(z.string(), z.unknown())).parse(JSON.parse(readFileSync(args.tickets!, 'utf8')));
  const tickets = raw.map((t) => TicketEventSchema.parse({ ...t, externalId: `${String(t.externalId)}-${run}`, receivedAt: new Date().toISOString() }));

  const cases = new Map<string, { label: string; seen: number; status: string; publishedAt: number; approved?: string; row?: z.infer<typeof CaseSchema> }>();
  for (const ticket of tickets) {
    if (args.helpdesk) await mirrorTicket(args.helpdesk, ticket);
    const res = await fetch(`${args.ingress}/tickets`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': ingressKey }, body: JSON.stringify(ticket) });
    if (res.status !== 202) fail(`ingress refused ${ticket.externalId}: ${res.status} ${await res.text()}`);
    const label = `${ticket.externalId.replace(`-${run}`, '')} ${ticket.tenantId}`;
    cases.set(caseIdFor(ticket), { label, seen: 0, status: 'RECEIVED', publishedAt: Date.now() });
    process.stdout.write(`→ ${label.padEnd(18)} published  "${ticket.subject}"\n`);
  }

  const deadline = Date.now() + Number(args['timeout-seconds']) * 1000;
  while (Date.now() < deadline && [...cases.values()].some((c) => !TERMINAL.has(c.status))) {
    for (const [caseId, c] of cases) {
      if (TERMINAL.has(c.status)) continue;
      const res = await fetch(`${args.supervisor}/v1/cases/${caseId}`, { headers: { authorization: `Bearer ${supervisorKey}` } });
      if (res.status === 404) continue;
      if (!res.ok) fail(`supervisor answered ${res.status} for ${caseId}: ${await res.text()}`);
      const row = CaseSchema.parse(await res.json());
      for (const t of row.transitions.slice(c.seen)) {
        process.stdout.write(`  ${c.label.padEnd(18)} ${t.from_status.padEnd(17)} → ${t.to_status.padEnd(17)} ${t.reason}\n`);
      }
      c.seen = row.transitions.length;
      c.status = row.status;
      c.row = row;
      const approval = row.state.approval;
      if (args.approve && row.status === 'AWAITING_APPROVAL' && approval && !approval.approvedBy && c.approved !== approval.approvalId) {
        c.approved = approval.approvalId;
        process.stdout.write(`  ${c.label.padEnd(18)} approving ${approval.tool} ${JSON.stringify(approval.arguments)} as the demo supervisor (held: ${approval.reason}; in production a human decides in the console)\n`);
        const res = await fetch(`${args.supervisor}/v1/cases/${caseId}/commands`, {
          method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${supervisorKey}` },
          body: JSON.stringify({ command: 'approve', approvalId: approval.approvalId, comment: 'approved by scripts/demo' }),
        });
        if (res.status !== 202) fail(`the supervisor refused the approval of ${caseId}: ${res.status} ${await res.text()}`);
      }
    }
    await new Promise((r) => setTimeout(r, 500));
  }

  process.stdout.write('\n');
  const header = ['ticket', 'intent', 'mode', 'outcome', 'verified', 'procedure', 'LLM calls', 'tokens', 'seconds', 'last step'];
  const rows = [...cases.values()].map((c) => {
    const tokens = (c.row?.trace ?? []).reduce((n, t) => n + (t.input_tokens ?? 0) + (t.output_tokens ?? 0), 0);
    const v = c.row?.state.verification;
    const procedure = c.row?.state.resolution?.procedure;
    const last = c.row?.transitions.at(-1);
    const seconds = last ? ((Date.parse(last.at) - c.publishedAt) / 1000).toFixed(1) : '-';
    return [
      c.label, c.row?.intent ?? '-', c.row?.mode ?? '-', c.status, v ? (v.evidence === 0 ? `${v.verified ? 'yes' : 'no'}, no write` : `${v.verified ? 'yes' : 'no'} ${v.passed}/${v.evidence}`) : '-',
      procedure ? `${procedure.id}@${procedure.version}` : '-', String(c.row?.state.counters?.llmCalls ?? 0), String(tokens), seconds, (last?.reason ?? '').slice(0, 60),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i]!)).join('  ');
  process.stdout.write(`${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n${rows.map(line).join('\n')}\n`);
  if (args.helpdesk) await printLanded(args.helpdesk, new Map(tickets.map((t) => [t.externalId, cases.get(caseIdFor(t))!.label])), 60_000);
  const resolved = rows.filter((r) => r[3] === 'RESOLVED' && r[4]!.startsWith('yes')).length;
  process.stdout.write(`\n${resolved} of ${rows.length} tickets resolved and verified; the others wait for a human with the findings attached (console: ${args.supervisor}/console).\n`);
  const open = rows.filter((r) => !TERMINAL.has(r[3]!)).length;
  if (open > 0) fail(`${open} case(s) not settled after ${args['timeout-seconds']} s`);
}

main().catch((error) => fail((error as Error).stack ?? String(error)));
