import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { runImportOpenApi } from '../cli/import-openapi';
import { importOpenApi, OpenApiImportError } from './openapi-import';
import { loadCatalog } from './tool-catalog';

const FIXTURES = join(__dirname, '..', '..', 'test', 'fixtures');
const doc = YAML.parse(readFileSync(join(FIXTURES, 'billing.openapi.yaml'), 'utf8'));

describe('importOpenApi', () => {
  const { tools, skipped } = importOpenApi(doc, { backend: 'acme' });

  it('turns GET into read tools and other methods into write tools, with flattened arguments', () => {
    expect(tools.map((t) => [t.name, t.scope, t.http.method, t.http.path])).toEqual([
      ['get_invoice', 'read', 'GET', '/tenants/{tenantId}/invoices/{invoiceId}'],
      ['issue_refund', 'write', 'POST', '/tenants/{tenantId}/invoices/{invoiceId}/refunds'],
    ]);
    const read = tools[0]!;
    expect(read.input).toEqual({
      type: 'object', additionalProperties: false, required: ['tenantId', 'invoiceId'],
      properties: { tenantId: { type: 'string' }, invoiceId: { type: 'string' }, expand: { type: 'boolean' } },
    });
    expect(read.risk).toBe('low');
    expect(read.output).toMatchObject({ properties: { refunds: { items: { type: 'object', required: ['id', 'amount'] } } } });
  });

  it('reads x-switchboard-* extensions for name, risk, amount field, approval, rate limit and read-back', () => {
    const write = tools[1]!;
    expect(write).toMatchObject({
      name: 'issue_refund', risk: 'high', amountField: 'amount', approval: { above: 100 }, rateLimit: { capacity: 2, refillPerSecond: 0.1 },
      readBack: { tool: 'get_invoice', expect: [{ path: 'refunds.-1.amount', equalsArgument: 'amount' }] },
      description: 'Refunds part of a paid invoice.',
    });
    expect(write.input).toMatchObject({ required: ['tenantId', 'invoiceId', 'amount', 'reason'], properties: { reason: { type: 'string', nullable: true } } });
  });

  it('reports what it skipped and why', () => {
    expect(skipped).toEqual([
      { operation: 'POST /internal/reindex', reason: 'x-switchboard-ignore' },
      { operation: 'GET /health', reason: 'no operationId' },
    ]);
  });

  it('refuses documents that are not OpenAPI 3', () => {
    expect(() => importOpenApi({ swagger: '2.0' }, { backend: 'acme' })).toThrow(OpenApiImportError);
  });

  it('produces tools the catalogue loader accepts (imports: in a catalogue file) and that validate calls', () => {
    const catalog = loadCatalog(join(FIXTURES, 'imported.tools.yaml'), { backends: ['acme'] });
    const refund = catalog.get('issue_refund')!;
    expect(refund.rateLimit).toEqual({ capacity: 2, refillPerSecond: 0.1 });
    expect(refund.input.safeParse({ tenantId: 'g', invoiceId: 'i', amount: 5, reason: null }).success).toBe(true);
    expect(refund.input.safeParse({ tenantId: 'g', invoiceId: 'i', amount: -5, reason: 'x' }).success).toBe(false);
    expect(catalog.get('get_invoice')!.output.safeParse({ id: 'i', refunds: [{ id: 'r' }] }).success).toBe(false);
  });

  it('has a CLI that prints catalogue YAML', () => {
    let out = '';
    const errors: string[] = [];
    expect(runImportOpenApi([join(FIXTURES, 'billing.openapi.yaml'), '--backend', 'acme', '--include', 'createRefund'], (s) => { out += s; }, (s) => errors.push(s))).toBe(0);
    expect(YAML.parse(out).tools.map((t: { name: string }) => t.name)).toEqual(['issue_refund']);
    expect(runImportOpenApi([], () => undefined, (s) => errors.push(s))).toBe(64);
  });
});
