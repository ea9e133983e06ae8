import { renderHandoff, renderNote } from './render';

const ctx = { caseId: 'case_0123456789abcdef01234567', run: 2, consoleUrl: 'https://switchboard.example/' };

describe('rendered comments', () => {
  it('a shadow note says nothing was done or sent, and lists the proposed calls with their arguments', () => {
    const sut = renderNote({ mode: 'shadow', body: '[shadow] would flush\n\nDraft reply:\nWe flushed it.', proposedActions: [{ tool: 'flush_cache', arguments: { tenantId: 'acme' } }] }, ctx);
    expect(sut.split('\n')).toEqual([
      'Switchboard (shadow mode) — what it would have done. Nothing was changed and nothing was sent to the customer.',
      '',
      '[shadow] would flush',
      '',
      'Draft reply:',
      'We flushed it.',
      '',
      'Proposed tool calls (not executed):',
      '• flush_cache {"tenantId":"acme"}',
      '',
      '— Switchboard case case_0123456789abcdef01234567, run 2 · https://switchboard.example/console/#/case/case_0123456789abcdef01234567',
    ]);
  });

  it('a handoff leads with why, what was asked and the next step, then findings, tries and spend, capped', () => {
    const sut = renderHandoff({
      status: 'ESCALATED', mode: 'autonomous', intent: 'refund', reason: 'r', summary: 's', verified: false,
      handoff: {
        reason: 'max_tool_errors: 6 tool errors', breaker: 'max_tool_errors', asked: 'Refund please',
        findings: Array.from({ length: 12 }, (_, i) => ({ agent: 'resolver', summary: `finding ${i}` })),
        tried: [{ tool: 'issue_refund', arguments: { amount: 1 }, outcome: 'error GATEWAY.RATE_LIMITED: slow down' }],
        counters: { iterations: 7, tokens: 4500, costUsd: 0.02, toolErrors: 6 }, suggestedNextStep: 'Check the backend.',
      },
    }, { caseId: 'case_0123456789abcdef01234567', run: 1 });
    const lines = sut.split('\n');
    expect(lines.slice(0, 6)).toEqual([
      'Switchboard escalated this ticket — a human takes it from here.', '', 'Why: max_tool_errors: 6 tool errors [max_tool_errors]',
      'Customer asked: Refund please', 'Suggested next step: Check the backend.', 'Intent: refund · mode: autonomous',
    ]);
    expect(lines.filter((l) => l.startsWith('• resolver: '))).toEqual(Array.from({ length: 8 }, (_, i) => `• resolver: finding ${i + 4}`));
    expect(sut).toContain('• issue_refund {"amount":1} → error GATEWAY.RATE_LIMITED: slow down');
    expect(sut).toContain('Spent: 7 agent steps · 4500 tokens · $0.0200 · 6 tool errors');
    expect(lines.at(-1)).toBe('— Switchboard case case_0123456789abcdef01234567, run 1');
  });

  it('a failed case without a packet still says why', () => {
    const sut = renderHandoff({ status: 'FAILED', mode: 'assist', reason: 'the supervisor could not process this case', summary: 'Blank dashboard', verified: false }, { caseId: 'case_0123456789abcdef01234567', run: 1 });
    expect(sut).toMatch(/^Switchboard could not process this ticket — a human takes it from here\.\n\nWhy: the supervisor could not process this case\nCustomer asked: Blank dashboard\nMode: assist/);
  });
});
