import { createSchemaCompiler, JsonSchemaError } from './schema-validator';

describe('catalogue JSON Schema validation (ajv)', () => {
  const compile = createSchemaCompiler();
  const refund = compile({
    type: 'object', additionalProperties: false, required: ['tenantId', 'amount'],
    properties: {
      tenantId: { type: 'string', minLength: 1 }, amount: { type: 'number', exclusiveMinimum: 0, maximum: 1000 },
      currency: { enum: ['USD', 'EUR'] }, email: { type: 'string', format: 'email' }, note: { type: ['string', 'null'] },
      tags: { type: 'array', items: { type: 'string' }, maxItems: 2 }, day: { type: 'string', format: 'date' },
    },
  }, 'test');

  it('accepts valid values', () => {
    expect(refund.validate({ tenantId: 'g', amount: 10, currency: 'USD', email: 'a@b.co', note: null, tags: ['x'], day: '2025-01-31' })).toEqual({ ok: true });
  });

  it.each([
    [{ amount: 10 }, 'tenantId', 'is required'],
    [{ tenantId: 'g', amount: 0 }, 'amount', 'must be > 0'],
    [{ tenantId: 'g', amount: 1001 }, 'amount', 'must be <= 1000'],
    [{ tenantId: 'g', amount: '10' }, 'amount', 'must be number'],
    [{ tenantId: 'g', amount: 1, currency: 'GBP' }, 'currency', 'must be equal to one of the allowed values: "USD", "EUR"'],
    [{ tenantId: 'g', amount: 1, email: 'nope' }, 'email', 'must match format "email"'],
    [{ tenantId: 'g', amount: 1, tags: ['a', 'b', 'c'] }, 'tags', 'must NOT have more than 2 items'],
    [{ tenantId: 'g', amount: 1, tags: ['a', 5] }, 'tags.1', 'must be string'],
    [{ tenantId: 'g', amount: 1, day: '31/01/2025' }, 'day', 'must match format "date"'],
    [{ tenantId: 'g', amount: 1, extra: true }, 'extra', 'is not an accepted property here'],
  ])('rejects %j at %s', (value, path, message) => {
    const result = refund.validate(value);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.issues).toContainEqual({ path, message });
  });

  it('lists every problem at once, so an agent can fix its call in one go', () => {
    const result = refund.validate({ amount: -1, currency: 'GBP', extra: 1 });
    expect(!result.ok && result.issues.map((i) => i.path).sort()).toEqual(['amount', 'currency', 'extra', 'tenantId']);
  });

  it('lets extra properties through unless additionalProperties is false (backend outputs may grow)', () => {
    expect(compile({ type: 'object', required: ['id'], properties: { id: { type: 'string' } } }, 'out').validate({ id: 'x', more: 1 })).toEqual({ ok: true });
  });

  // The three gaps of the hand-written JSON-Schema-to-zod converter this replaced (issue 16).
  it('enforces sibling properties next to a top-level anyOf (the converter dropped them)', () => {
    const either = compile({
      type: 'object', properties: { email: { type: 'string', format: 'email' }, userId: { type: 'string', pattern: '^usr_' } },
      anyOf: [{ required: ['email'] }, { required: ['userId'] }],
    }, 'either');
    expect(either.validate({ email: 'a@b.co' })).toEqual({ ok: true });
    expect(either.validate({ email: 'not-an-email' })).toMatchObject({ ok: false, issues: [{ path: 'email', message: 'must match format "email"' }] });
    expect(either.validate({ userId: 'bob' }).ok).toBe(false);
    expect(either.validate({}).ok).toBe(false);
  });

  it('treats oneOf as exactly one (the converter treated it as anyOf)', () => {
    const one = compile({ oneOf: [{ type: 'integer' }, { type: 'number', minimum: 0 }] }, 'one');
    expect(one.validate(2.5)).toEqual({ ok: true });
    expect(one.validate(-3)).toEqual({ ok: true });
    expect(one.validate(3)).toMatchObject({ ok: false, issues: [{ path: '(root)', message: 'must match exactly one schema in oneOf' }] });
  });

  it("refuses OpenAPI 3.0's boolean exclusiveMinimum at load (the converter ignored it; the importer translates it)", () => {
    expect(() => compile({ type: 'number', minimum: 0, exclusiveMinimum: true }, 'tool x/input')).toThrow(/tool x\/input: .*exclusiveMinimum must be number/);
  });

  it('supports const, integer, anyOf, $defs references and OpenAPI nullable', () => {
    expect(compile({ const: 'fresh' }, 'c').validate('stale').ok).toBe(false);
    expect(compile({ type: 'integer' }, 'i').validate(1.5).ok).toBe(false);
    const either = compile({ anyOf: [{ type: 'null' }, { type: 'object', required: ['a'], properties: { a: { type: 'string' } } }] }, 'a');
    expect(either.validate(null)).toEqual({ ok: true });
    expect(either.validate({}).ok).toBe(false);
    expect(compile({ type: 'string', nullable: true }, 'n').validate(null)).toEqual({ ok: true });
    const ref = compile({ $defs: { id: { type: 'string', minLength: 3 } }, type: 'object', properties: { a: { $ref: '#/$defs/id' } } }, 'r');
    expect(ref.validate({ a: 'ab' }).ok).toBe(false);
  });

  it('accepts x-* extensions and OpenAPI annotations, and refuses what it cannot enforce', () => {
    expect(compile({ type: 'string', 'x-switchboard-sensitive': true, example: 'x', description: 'd' }, 'x').validate('v')).toEqual({ ok: true });
    expect(() => compile({ type: 'string', format: 'no-such-format' }, 'f')).toThrow(JsonSchemaError);
    expect(() => compile({ type: 'string', frobnicate: true }, 'k')).toThrow(/unknown keyword/);
    expect(() => compile({ type: 'object', additionalProperties: false, required: ['x'], properties: {} }, 'r')).toThrow(/not declared/);
    expect(() => compile([] as unknown, 'arr')).toThrow(JsonSchemaError);
  });
});
