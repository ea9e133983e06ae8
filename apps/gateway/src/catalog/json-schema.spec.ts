import { issuesOf, jsonSchemaToZod, JsonSchemaError } from './json-schema';

describe('jsonSchemaToZod', () => {
  const refund = jsonSchemaToZod({
    type: 'object', additionalProperties: false, required: ['tenantId', 'amount'],
    properties: {
      tenantId: { type: 'string', minLength: 1 }, amount: { type: 'number', exclusiveMinimum: 0, maximum: 1000 },
      currency: { enum: ['USD', 'EUR'] }, email: { type: 'string', format: 'email' }, note: { type: ['string', 'null'] },
      tags: { type: 'array', items: { type: 'string' }, maxItems: 2 }, day: { type: 'string', format: 'date' },
    },
  });

  it('accepts valid values', () => {
    expect(refund.safeParse({ tenantId: 'g', amount: 10, currency: 'USD', email: 'a@b.co', note: null, tags: ['x'], day: '2025-01-31' }).success).toBe(true);
  });

  it.each([
    [{ amount: 10 }, 'tenantId'],
    [{ tenantId: 'g', amount: 0 }, 'amount'],
    [{ tenantId: 'g', amount: 1001 }, 'amount'],
    [{ tenantId: 'g', amount: '10' }, 'amount'],
    [{ tenantId: 'g', amount: 1, currency: 'GBP' }, 'currency'],
    [{ tenantId: 'g', amount: 1, email: 'nope' }, 'email'],
    [{ tenantId: 'g', amount: 1, tags: ['a', 'b', 'c'] }, 'tags'],
    [{ tenantId: 'g', amount: 1, day: '31/01/2025' }, 'day'],
    [{ tenantId: 'g', amount: 1, extra: true }, '(root)'],
  ])('rejects %j at %s', (value, path) => {
    const result = refund.safeParse(value);
    expect(result.success).toBe(false);
    expect(issuesOf(result.error!).map((i) => i.path)).toContain(path);
  });

  it('lets extra properties through unless additionalProperties is false (backend outputs may grow)', () => {
    const out = jsonSchemaToZod({ type: 'object', required: ['id'], properties: { id: { type: 'string' } } });
    expect(out.parse({ id: 'x', more: 1 })).toEqual({ id: 'x', more: 1 });
  });

  it('supports const, integer, anyOf and OpenAPI nullable', () => {
    expect(jsonSchemaToZod({ const: 'fresh' }).safeParse('stale').success).toBe(false);
    expect(jsonSchemaToZod({ type: 'integer' }).safeParse(1.5).success).toBe(false);
    const either = jsonSchemaToZod({ anyOf: [{ type: 'null' }, { type: 'object', required: ['a'], properties: { a: { type: 'string' } } }] });
    expect(either.safeParse(null).success).toBe(true);
    expect(either.safeParse({}).success).toBe(false);
    expect(jsonSchemaToZod({ type: 'string', nullable: true }).safeParse(null).success).toBe(true);
  });

  it('refuses keywords it cannot enforce rather than silently accepting everything', () => {
    expect(() => jsonSchemaToZod({ $ref: '#/components/schemas/X' })).toThrow(JsonSchemaError);
    expect(() => jsonSchemaToZod({ type: 'object', properties: { a: { allOf: [] } } })).toThrow(/allOf.*|unsupported/);
    expect(() => jsonSchemaToZod({ type: 'string', format: 'hostname' })).toThrow(/format/);
    expect(() => jsonSchemaToZod({ type: 'object', required: ['x'], properties: {} })).toThrow(/not declared/);
  });
});
