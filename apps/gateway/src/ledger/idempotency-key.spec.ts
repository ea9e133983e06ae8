import { approvalExecutionKey, argumentsHash, idempotencyKey } from './idempotency-key';

const base = { caseId: 'case_1', step: 3, toolCallId: 'call_7', tool: 'issue_refund', arguments: { tenantId: 'globex', amount: 150 } };

describe('idempotency keys', () => {
  it('is stable across argument key order', () => {
    expect(idempotencyKey(base)).toBe(idempotencyKey({ ...base, arguments: { amount: 150, tenantId: 'globex' } }));
    expect(idempotencyKey(base)).toMatch(/^[0-9a-f]{64}$/);
  });

  it.each([
    ['case', { caseId: 'case_2' }],
    ['step', { step: 4 }],
    ['tool call id', { toolCallId: 'call_8' }],
    ['tool', { tool: 'other' }],
    ['arguments', { arguments: { tenantId: 'globex', amount: 151 } }],
  ])('changes with the %s', (_label, change) => {
    expect(idempotencyKey({ ...base, ...change })).not.toBe(idempotencyKey(base));
  });

  it('does not let field boundaries collide', () => {
    expect(idempotencyKey({ ...base, caseId: 'a', toolCallId: 'bc' })).not.toBe(idempotencyKey({ ...base, caseId: 'ab', toolCallId: 'c' }));
  });

  it('binds approval executions to the approval and the exact arguments', () => {
    const hash = argumentsHash(base.arguments);
    expect(approvalExecutionKey('apr_1', hash)).not.toBe(approvalExecutionKey('apr_2', hash));
    expect(approvalExecutionKey('apr_1', hash)).not.toBe(approvalExecutionKey('apr_1', argumentsHash({ ...base.arguments, amount: 1 })));
  });
});
