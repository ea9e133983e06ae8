import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { runImportOpenApi } from '../cli/import-openapi';
import { fromOpenApi30, importOpenApi, OpenApiImportError } from './openapi-import';
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
      effectKey: ['tenantId', 'invoiceId', 'amount'],
      readBack: { tool: 'get_invoice', expect: [{ path: 'refunds.-1.amount', equalsArgument: 'amount' }] },
      description: 'Refunds part of a paid invoice.',
    });
    expect(write.input).toMatchObject({ required: ['tenantId', 'invoiceId', 'amount', 'reason'] });
  });

  it('translates OpenAPI 3.0 schemas to JSON Schema: nullable widens the type, boolean exclusiveMinimum makes minimum exclusive', () => {
    const props = (tools[1]!.input as { properties: Record<string, unknown> }).properties;
    expect(props.reason).toEqual({ type: ['string', 'null'], example: 'duplicate seat' });
    expect(props.amount).toEqual({ type: 'number', exclusiveMinimum: 0 });
  });

  it.each([
    [{ type: 'integer', minimum: 1, exclusiveMinimum: false, maximum: 9, exclusiveMaximum: true }, { type: 'integer', minimum: 1, exclusiveMaximum: 9 }],
    [{ enum: ['a', 'b'], nullable: true }, { enum: ['a', 'b', null] }],
    [{ type: 'string', enum: ['a'], nullable: true }, { type: ['string', 'null'], enum: ['a', null] }],
    [{ allOf: [{ type: 'string' }], nullable: true }, { anyOf: [{ allOf: [{ type: 'string' }] }, { type: 'null' }] }],
    [{ type: 'string', nullable: false }, { type: 'string' }],
    [{ type: 'number', exclusiveMinimum: 3 }, { type: 'number', exclusiveMinimum: 3 }],
    [
      { type: 'object', properties: { a: { type: 'array', items: { type: 'number', nullable: true, minimum: 0, exclusiveMinimum: true } } } },
      { type: 'object', properties: { a: { type: 'array', items: { type: ['number', 'null'], exclusiveMinimum: 0 } } } },
    ],
    [{ oneOf: [{ type: 'string', nullable: true }], additionalProperties: { type: 'integer', nullable: true } }, { oneOf: [{ type: ['string', 'null'] }], additionalProperties: { type: ['integer', 'null'] } }],
  ])('fromOpenApi30(%j) = %j', (input, output) => {
    expect(fromOpenApi30(input)).toEqual(output);
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
    expect(refund.rateLimit).toEqual({ capacity: 2, refillPerSecond: 0.1, mode: 'enforce' });
    expect(refund.input.validate({ tenantId: 'g', invoiceId: 'i', amount: 5, reason: null })).toEqual({ ok: true });
    expect(refund.input.validate({ tenantId: 'g', invoiceId: 'i', amount: -5, reason: 'x' }).ok).toBe(false);
    // OpenAPI 3.0 `minimum: 0, exclusiveMinimum: true`: zero itself is refused (the hand-written converter accepted it).
    expect(refund.input.validate({ tenantId: 'g', invoiceId: 'i', amount: 0, reason: 'x' })).toEqual({ ok: false, issues: [{ path: 'amount', message: 'must be > 0' }] });
    expect(refund.input.validate({ tenantId: 'g', invoiceId: 'i', amount: 0.01, reason: 'x' })).toEqual({ ok: true });
    expect(catalog.get('get_invoice')!.output.validate({ id: 'i', refunds: [{ id: 'r' }] })).toEqual({ ok: false, issues: [{ path: 'refunds.0.amount', message: 'is required' }] });
  });

  it('has a CLI that prints catalogue YAML', () => {
    let out = '';
    const errors: string[] = [];
    expect(runImportOpenApi([join(FIXTURES, 'billing.openapi.yaml'), '--backend', 'acme', '--include', 'createRefund'], (s) => { out += s; }, (s) => errors.push(s))).toBe(0);
    expect(YAML.parse(out).tools.map((t: { name: string }) => t.name)).toEqual(['issue_refund']);
    expect(runImportOpenApi([], () => undefined, (s) => errors.push(s))).toBe(64);
  });
});
