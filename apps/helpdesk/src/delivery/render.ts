import type { CaseOutcome, HandoffPacket, InternalNote } from '@switchboard/contracts';

/** Where a rendered comment points back to: the case, its run and (when configured) the console. */
export interface RenderContext {
  caseId: string;
  run: number;
  consoleUrl?: string | undefined;
}

const MAX_ITEMS = 8;
const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
const args = (a: Record<string, unknown>) => clip(JSON.stringify(a), 300);

function footer(ctx: RenderContext): string {
  const link = ctx.consoleUrl ? ` · ${ctx.consoleUrl.replace(/\/$/, '')}/console/#/case/${ctx.caseId}` : '';
  return `— Switchboard case ${ctx.caseId}, run ${ctx.run}${link}`;
}

/**
 * A shadow or assist note as a private comment: what would have been done, the proposed tool calls with their
 * arguments, and the context found (the note body the supervisor wrote carries triage, context and the draft).
 *
 * @example
 * renderNote({ mode: 'shadow', body: '…', proposedActions: [{ tool: 'flush_cache', arguments: { tenantId: 'acme' } }] }, ctx);
 */
export function renderNote(note: InternalNote, ctx: RenderContext): string {
  const title = note.mode === 'shadow'
    ? 'Switchboard (shadow mode) — what it would have done. Nothing was changed and nothing was sent to the customer.'
    : `Switchboard (${note.mode} mode) — context for the agent handling this ticket. Nothing was sent to the customer.`;
  const lines = [title, '', note.body.trim()];
  if (note.proposedActions.length > 0) {
    lines.push('', 'Proposed tool calls (not executed):');
    for (const a of note.proposedActions.slice(0, MAX_ITEMS)) lines.push(`• ${a.tool} ${args(a.arguments)}`);
    if (note.proposedActions.length > MAX_ITEMS) lines.push(`• … and ${note.proposedActions.length - MAX_ITEMS} more (see the case)`);
  }
  lines.push('', footer(ctx));
  return lines.join('\n');
}

/**
 * The handoff packet as a private comment a human can read in 30 seconds: why, what the customer asked, the next
 * step, then what the agents found and tried, and the budget spent.
 *
 * @example
 * renderHandoff(outcome, { caseId, run: 1 }).split('\n')[0]; // 'Switchboard escalated this ticket to you: …'
 */
export function renderHandoff(outcome: CaseOutcome, ctx: RenderContext): string {
  const h: HandoffPacket = outcome.handoff ?? { reason: outcome.reason ?? outcome.summary, asked: outcome.summary, findings: [], tried: [], counters: {} };
  const verb = outcome.status === 'FAILED' ? 'could not process this ticket' : 'escalated this ticket';
  const lines = [
    `Switchboard ${verb} — a human takes it from here.`,
    '',
    `Why: ${clip(h.reason, 600)}${h.breaker ? ` [${h.breaker}]` : ''}`,
    `Customer asked: ${clip(h.asked, 600)}`,
    ...(h.suggestedNextStep ? [`Suggested next step: ${clip(h.suggestedNextStep, 400)}`] : []),
    ...(outcome.intent ? [`Intent: ${outcome.intent} · mode: ${outcome.mode}`] : [`Mode: ${outcome.mode}`]),
  ];
  if (h.findings.length > 0) {
    lines.push('', 'What the agents found:');
    for (const f of h.findings.slice(-MAX_ITEMS)) lines.push(`• ${f.agent}: ${clip(f.summary, 300)}`);
  }
  if (h.tried.length > 0) {
    lines.push('', 'What was tried:');
    for (const t of h.tried.slice(-MAX_ITEMS)) lines.push(`• ${t.tool} ${args(t.arguments)} → ${clip(t.outcome, 200)}`);
  }
  const c = h.counters;
  const spent = [
    c['iterations'] !== undefined ? `${c['iterations']} agent steps` : undefined,
    c['tokens'] !== undefined ? `${c['tokens']} tokens` : undefined,
    c['costUsd'] !== undefined ? `$${Number(c['costUsd']).toFixed(4)}` : undefined,
    c['toolErrors'] ? `${c['toolErrors']} tool errors` : undefined,
  ].filter(Boolean);
  if (spent.length > 0) lines.push('', `Spent: ${spent.join(' · ')}`);
  lines.push('', footer(ctx));
  return lines.join('\n');
}
