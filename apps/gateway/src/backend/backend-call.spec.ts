import { gatewayAppPath } from '../paths';
import { loadCatalog } from '../catalog/tool-catalog';
import { toBackendRequest, toOutcome } from './backend-call';

const catalog = loadCatalog(gatewayAppPath('catalog', 'acme.tools.yaml'), { backends: ['acme'] });
const refund = catalog.get('issue_refund')!;
const attempts = catalog.get('get_login_attempts')!;

describe('backend calls', () => {
  it('puts path arguments in the path, the rest in the query (GET) or the JSON body', () => {
    expect(toBackendRequest(attempts, { tenantId: 'glo/bex', email: 'a@b.co', limit: 5 }, { traceHeaders: {} })).toMatchObject({
      method: 'GET', path: '/tenants/glo%2Fbex/login-attempts', query: { email: 'a@b.co', limit: '5' },
    });
    expect(toBackendRequest(refund, { tenantId: 'globex', invoiceId: 'inv_1', amount: 5, reason: 'dup' }, { idempotencyKey: 'k', traceHeaders: {} })).toMatchObject({
      method: 'POST', path: '/tenants/globex/invoices/inv_1/refunds', body: { amount: 5, reason: 'dup' }, idempotencyKey: 'k',
    });
  });

  it.each([
    [{ kind: 'unreachable', reason: 'ECONNREFUSED', timedOut: false }, 'BACKEND_UNAVAILABLE', false],
    [{ kind: 'response', status: 503, body: {}, bodyIsJson: true }, 'BACKEND_UNAVAILABLE', false],
    [{ kind: 'response', status: 500, body: { message: 'boom' }, bodyIsJson: true }, 'BACKEND_ERROR', false],
    [{ kind: 'response', status: 401, body: {}, bodyIsJson: true }, 'BACKEND_UNAUTHORIZED', false],
    [{ kind: 'response', status: 422, body: { code: 'REFUND_EXCEEDS_REMAINING', message: 'too much' }, bodyIsJson: true }, 'BACKEND_REJECTED', true],
    [{ kind: 'response', status: 431, body: undefined, bodyIsJson: false }, 'BACKEND_REJECTED', true],
    [{ kind: 'response', status: 408, body: undefined, bodyIsJson: false }, 'BACKEND_ERROR', false],
    [{ kind: 'response', status: 200, body: '<html>', bodyIsJson: false }, 'OUTPUT_INVALID', true],
    [{ kind: 'response', status: 201, body: { unexpected: true }, bodyIsJson: true }, 'OUTPUT_INVALID', true],
  ] as const)('maps %j to %s (final: %s)', (response, code, final) => {
    const outcome = toOutcome(refund, response);
    expect(outcome.final).toBe(final);
    expect(outcome.result).toMatchObject({ status: 'error', tool: 'issue_refund', error: { code } });
  });

  it('passes a valid response through as ok', () => {
    const body = { id: 'ref_1', invoiceId: 'inv_1', tenantId: 'globex', amount: 5, currency: 'USD', remaining: 10 };
    expect(toOutcome(refund, { kind: 'response', status: 201, body, bodyIsJson: true })).toEqual({ final: true, result: { status: 'ok', tool: 'issue_refund', result: body, replayed: false } });
  });
});
