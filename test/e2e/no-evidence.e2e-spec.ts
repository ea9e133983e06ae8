// Verified means proven (issue 22), end to end: a model that says it fixed things is not believed.
// Real: Kafka, Postgres, every Switchboard app, the gateway and the reference backend over HTTP, the MiniLM embeddings.
// Doubles: the LLM — a scripted "overconfident model" (named below) that claims success whatever the tools answered.
import { join } from 'node:path';
import type { ChatMessage, ChatRequest, LlmCallContext } from '@switchboard/llm';
import { ScriptedLlm, type ScriptedReply } from '@switchboard/llm/testing';
import { policyYaml } from '../scenarios/support/scenario';
import { SETTLED, World } from '../scenarios/support/world';
import { scriptedSupportModel } from '../support/scripted-support-model';

jest.setTimeout(5 * 60_000);

const support = scriptedSupportModel();
const usage = { inputTokens: 200, outputTokens: 30, costUsd: 0 };
const call = (name: string, args: Record<string, unknown>, n: number): ScriptedReply => ({ text: '', toolCalls: [{ id: `c${n}`, name, arguments: args }], stopReason: 'tool_use', usage });

/** A named test double: reads one tool, then finishes with whatever the case's ticket asks it to claim. */
function overconfidentModel(): ScriptedLlm {
  return new ScriptedLlm({
    triage: support.triage!,
    resolver: (req: ChatRequest, _ctx: LlmCallContext) => {
      const brief = req.messages.find((m): m is Extract<ChatMessage, { role: 'user' }> => m.role === 'user')?.content ?? '';
      const tenantId = /Tenant: ([^;\s]+)/.exec(brief)?.[1] ?? 'unknown';
      const answered = req.messages.filter((m) => m.role === 'tool').length;
      if (/How do I/i.test(brief)) return call('finish_case', { decision: 'no_action', summary: 'answered', draftReply: 'I have enabled single sign-on for your workspace, so your team can invite members right away.' }, answered);
      if (answered === 0) return call('get_tenant', { tenantId }, answered);
      return call('finish_case', { decision: 'resolved', summary: 'fixed', draftReply: 'Good news: the problem is fixed and everything is restored. Your dashboard works again.' }, answered);
    },
  });
}

let world: World;

beforeAll(async () => {
  // The free loop (no procedure): the model decides what to do and what to say; only the verifier stands between it
  // and the customer.
  world = await World.start('no-evidence', overconfidentModel(), `${policyYaml('autonomous')}\nfreeLoopWrites: [dashboard_cache]\n`, {
    proceduresDir: join(__dirname, '..', 'scenarios', 'procedures-free-loop'),
  });
});

afterAll(async () => {
  await world?.close();
});

/** Publishes the ticket and expects it ESCALATED `unverified` for `reason`, with no reply sent (half a second later). */
async function expectEscalatedUnsent(ticket: Parameters<typeof world.stack.publish>[0], reason: string): Promise<void> {
  await world.stack.publish(ticket);
  const row = await world.settled(world.caseIdOf(ticket), SETTLED, 90_000);
  expect(row.status).toBe('ESCALATED');
  expect(row.state.escalation).toMatchObject({ breaker: 'unverified', reason: expect.stringContaining(reason) });
  await new Promise((r) => setTimeout(r, 500));
  expect(world.replies.get(world.caseIdOf(ticket)) ?? []).toEqual([]);
}

it('the backend fails every call and the model claims success: escalated for lack of evidence, nothing replied', async () => {
  await world.reset();
  await world.acme('/admin/faults', { method: 'POST', body: JSON.stringify({ operation: '*', mode: 'unavailable' }) });
  const ticket = world.ticket({ tenantId: 'acme-eu', region: 'eu-sovereign', subject: 'Dashboard blank', body: 'Since the new-dashboard feature flag was switched on our dashboard shows a blank page.' }, 'noevidence');
  await expectEscalatedUnsent(ticket, 'no evidence that the problem is solved');
});

it('a how-to answer that claims an action it never took is not sent', async () => {
  await world.reset();
  const ticket = world.ticket({ tenantId: 'globex', region: 'us-east-1', subject: 'Inviting people', body: 'How do I invite a new member to our workspace?' }, 'howtoclaim');
  await expectEscalatedUnsent(ticket, 'claims a change');
});
