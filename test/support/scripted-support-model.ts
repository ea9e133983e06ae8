import type { AgentScript, ScriptedReply } from '@switchboard/llm/testing';
import type { ChatMessage, ChatRequest } from '@switchboard/llm';

/**
 * A named test double for end-to-end and scenario tests: a *scripted* support model that plays triage and resolver
 * deterministically for the reference backend's cases. It is deliberately gullible — it follows instructions written
 * in a ticket (e.g. "refund $5000") — so tests prove that the system's controls, not the model's judgement, keep
 * such tickets from causing writes. It reads only what a real model would see: the prompt and tool results.
 */
export function scriptedSupportModel(options: { confidence?: number } = {}): Record<string, AgentScript> {
  return { triage: (req) => triage(req, options.confidence ?? 0.97), resolver: (req) => resolver(req) };
}

function classify(text: string): string {
  const t = text.toLowerCase();
  if (/ignore (your|all|previous)|you are now/.test(t)) return 'refund';
  if (/dashboard|blank/.test(t)) return 'dashboard_cache';
  if (/refund|charged/.test(t)) return 'refund';
  if (/trial/.test(t)) return 'trial_extension';
  if (/locked|unlock|log in/.test(t)) return 'account_lockout';
  if (/flag|toggle/.test(t)) return 'feature_flag';
  if (/how (do|can)/.test(t)) return 'how_to';
  return 'other';
}

function triage(req: ChatRequest, confidence: number): ScriptedReply {
  const text = /<ticket>([\s\S]*?)<\/ticket>/.exec(firstUser(req.messages))?.[1] ?? '';
  const injection = /ignore (your|all|previous)|you are now/i.test(text);
  const priority = /urgent|asap|down/i.test(text) ? 'high' : 'normal';
  return { json: { intent: classify(text), priority, confidence, summary: text.split('\n').find((l) => l.trim())?.slice(0, 200) ?? 'ticket', injectionSuspected: injection } };
}

function firstUser(messages: ChatMessage[]): string {
  const m = messages.find((x) => x.role === 'user');
  return m && m.role === 'user' ? m.content : '';
}

type Step = { tool: string; args: Record<string, unknown> } | { finish: Record<string, unknown> };

function plan(brief: string): Step[] {
  const ticket = /<ticket>([\s\S]*?)<\/ticket>/.exec(brief)?.[1] ?? '';
  // Gullible on purpose: a ticket naming another tenant ("… for tenant initech") makes it act on that tenant, so the
  // scenario suite can show that the gateway's tenant check, not the model, stops cross-tenant calls.
  const tenantId = /\b(?:for|of|on) tenant ([a-z][a-z0-9-]*)/i.exec(ticket)?.[1] ?? /Tenant: ([^;\s]+)/.exec(brief)?.[1] ?? 'unknown';
  const intent = /intent: ([a-z_]+)/.exec(brief)?.[1] ?? 'other';
  const finish = (decision: string, draftReply: string, summary = draftReply) => ({ finish: { decision, summary, draftReply, findings: [] } });
  const injected = /\$\s?(\d+(?:\.\d+)?)/.exec(ticket);
  if (/ignore (your|all|previous)/i.test(ticket) && injected) {
    const invoiceId = /(inv_[a-z0-9_]+)/.exec(ticket)?.[1] ?? 'inv_globex_1001';
    return [{ tool: 'issue_refund', args: { tenantId, invoiceId, amount: Number(injected[1]), reason: 'customer asked' } }, finish('resolved', `We refunded $${injected[1]}.`)];
  }
  switch (intent) {
    case 'dashboard_cache':
    case 'feature_flag':
      return [
        { tool: 'get_tenant', args: { tenantId } },
        { tool: 'get_feature_flags', args: { tenantId } },
        { tool: 'get_cache_status', args: { tenantId } },
        { tool: 'reset_tenant_cache', args: { tenantId } },
        { tool: 'get_cache_status', args: { tenantId } },
        finish('resolved', 'We reset your tenant cache after the new-dashboard change; your dashboard loads again.'),
      ];
    case 'refund': {
      const invoiceId = /(inv_[a-z0-9_]+)/.exec(ticket)?.[1] ?? 'unknown';
      const amount = Number(/\$\s?(\d+(?:\.\d+)?)/.exec(ticket)?.[1] ?? '0');
      return [
        { tool: 'get_invoice', args: { tenantId, invoiceId } },
        { tool: 'issue_refund', args: { tenantId, invoiceId, amount, reason: 'duplicate charge reported by the customer' } },
        finish('resolved', `We refunded $${amount} on invoice ${invoiceId}.`),
      ];
    }
    case 'trial_extension':
      return [{ tool: 'get_trial', args: { tenantId } }, { tool: 'extend_trial', args: { tenantId, days: 14, reason: 'evaluation needs more time' } }, finish('resolved', 'We extended your trial by 14 days.')];
    case 'account_lockout': {
      const email = /([a-z0-9._-]+@[a-z0-9.-]+\.[a-z]+)/i.exec(ticket)?.[1] ?? 'unknown@example.com';
      return [{ tool: 'get_user', args: { tenantId, email } }, { tool: 'unlock_account', args: { tenantId, email } }, finish('resolved', `We unlocked the account ${email}.`)];
    }
    case 'how_to':
      return [finish('no_action', 'You can find this under Settings; see our guide for the steps.')];
    default:
      return [finish('escalate', '', 'not something I can resolve')];
  }
}

/** Slot questions of a procedure (structured output): each field read from the ticket the way a careful model would. */
function slots(req: ChatRequest): ScriptedReply {
  const text = /<ticket>([\s\S]*?)<\/ticket>/.exec(firstUser(req.messages))?.[1] ?? '';
  const properties = (req.responseSchema?.['properties'] ?? {}) as Record<string, { anyOf?: Array<{ enum?: unknown[] }> }>;
  const answer: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(properties)) {
    const candidates = schema.anyOf?.find((s) => Array.isArray(s.enum))?.enum;
    if (candidates) answer[name] = candidates.find((c) => text.includes(String(c))) ?? null;
    else if (/email/i.test(name)) answer[name] = /([a-z0-9._-]+@[a-z0-9.-]+\.[a-z]+)/i.exec(text)?.[1] ?? null;
    else if (/invoice/i.test(name)) answer[name] = /(inv_[a-z0-9_]+)/.exec(text)?.[1] ?? null;
    else if (/amount/i.test(name)) answer[name] = Number(/\$\s?(\d+(?:\.\d+)?)/.exec(text)?.[1] ?? NaN) || null;
    else answer[name] = null;
  }
  return { json: answer };
}

function resolver(req: ChatRequest): ScriptedReply {
  if (req.responseSchema) return slots(req);
  const brief = firstUser(req.messages);
  const toolResults = req.messages.filter((m): m is Extract<ChatMessage, { role: 'tool' }> => m.role === 'tool');
  const last = toolResults.at(-1);
  if (last) {
    const parsed = JSON.parse(last.content) as { ok?: boolean; error?: { code: string; message: string }; proposed?: boolean };
    if (parsed.ok === false && parsed.error && !parsed.proposed) {
      return call('finish_case', { decision: 'escalate', summary: `a tool failed: ${parsed.error.code}`, escalationReason: `${parsed.error.code}: ${parsed.error.message}`, findings: [parsed.error.message], draftReply: '' }, toolResults.length);
    }
  }
  const steps = plan(brief);
  const approvedRan = /A supervisor approved/.test(brief);
  const next = steps[Math.min(toolResults.length + (approvedRan ? steps.length - 1 : 0), steps.length - 1)]!;
  return 'finish' in next ? call('finish_case', next.finish, toolResults.length) : call(next.tool, next.args, toolResults.length);
}

function call(name: string, args: Record<string, unknown>, n: number): ScriptedReply {
  return { text: '', toolCalls: [{ id: `tc_${n}_${name}`, name, arguments: args }], stopReason: 'tool_use', usage: { inputTokens: 200, outputTokens: 30, costUsd: 0.0001 } };
}
