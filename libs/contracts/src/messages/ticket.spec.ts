import { isStorableText, TICKET_LIMITS, TicketEventSchema } from '@switchboard/contracts';

const ticket = {
  externalId: 'ZD-1', source: 'api', tenantId: 'globex', region: 'us-east-1', requester: { email: 'ops@globex.example' },
  subject: 'Dashboard blank', body: 'Since the flag our dashboard is blank.', receivedAt: '2026-11-21T10:00:00Z',
};
const nested = (depth: number): Record<string, unknown> => {
  const root: Record<string, unknown> = {};
  let at = root;
  for (let i = 0; i < depth; i++) at = (at.a = {}) as Record<string, unknown>;
  return root;
};
const issues = (input: unknown) => {
  const result = TicketEventSchema.safeParse(input);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('ticket event limits (what the case store can hold)', () => {
  it('refuses U+0000 and unpaired surrogates in every text field, and accepts surrogate pairs', () => {
    expect(issues({ ...ticket, body: 'a\u0000b' })).toEqual([expect.stringMatching(/^body: must not contain U\+0000/)]);
    expect(issues({ ...ticket, subject: 'x\uD800' })).toEqual([expect.stringMatching(/^subject: /)]);
    expect(issues({ ...ticket, externalId: '\uDC00x' })).toEqual([expect.stringMatching(/^externalId: /)]);
    expect(issues({ ...ticket, requester: { email: 'a@b.example', name: 'A\u0000' } })).toEqual([expect.stringMatching(/^requester\.name: /)]);
    expect(issues({ ...ticket, tags: ['ok', '\uDBFF'] })).toEqual([expect.stringMatching(/^tags\.1: /)]);
    expect(issues({ ...ticket, subject: 'smile 😀 naïve' })).toEqual([]);
  });

  it('agrees with a code-point scan on arbitrary UTF-16 strings', () => {
    const reference = (s: string) => {
      for (let i = 0; i < s.length; i++) {
        const c = s.charCodeAt(i);
        if (c === 0) return false;
        if (c >= 0xd800 && c <= 0xdbff) {
          const n = s.charCodeAt(i + 1);
          if (!(n >= 0xdc00 && n <= 0xdfff)) return false;
          i++;
        } else if (c >= 0xdc00 && c <= 0xdfff) return false;
      }
      return true;
    };
    // Every string of up to 5 code units over the interesting ones (contracts may depend on zod only, so no fast-check).
    const units = ['a', '\u0000', '\uD83D', '\uDE00', '\uDBFF', '\uDC00'];
    let all = [''];
    for (let len = 1; len <= 5; len++) {
      all = all.flatMap((s) => units.map((u) => s + u));
      for (const s of all) expect([s, isStorableText(s)]).toEqual([s, reference(s)]);
    }
    // And arbitrary UTF-16 strings from a fixed-seed generator.
    let seed = 7;
    const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31);
    for (let i = 0; i < 2_000; i++) {
      const s = String.fromCharCode(...Array.from({ length: next() % 30 }, () => (next() % 4 === 0 ? 0xd800 + (next() % 0x800) : next() % 0x10000)));
      expect([s, isStorableText(s)]).toEqual([s, reference(s)]);
    }
  });

  it(`allows metadata nested ${TICKET_LIMITS.metadataMaxDepth} deep and refuses one level more, however deep`, () => {
    expect(issues({ ...ticket, metadata: nested(TICKET_LIMITS.metadataMaxDepth) })).toEqual([]);
    expect(issues({ ...ticket, metadata: nested(TICKET_LIMITS.metadataMaxDepth + 1) })).toEqual([expect.stringMatching(/nested deeper than 8/)]);
    expect(issues({ ...ticket, metadata: nested(100_000) })).toEqual([expect.stringMatching(/nested deeper than 8/)]);
    expect(issues({ ...ticket, metadata: { list: [[[[[[[[[1]]]]]]]]] } })).toEqual(['metadata.list.0.0.0.0.0.0.0.0: metadata is nested deeper than 8 objects/arrays']);
  });

  it('refuses unstorable metadata keys and strings with a storable path, long keys and oversized metadata', () => {
    expect(issues({ ...ticket, metadata: { 'k\u0000': 1 } })).toEqual(['metadata.k\uFFFD: key must not contain U+0000 or an unpaired UTF-16 surrogate (the case store cannot hold them)']);
    expect(issues({ ...ticket, metadata: { a: { b: ['ok', 'x\uD83D'] } } })).toEqual([expect.stringMatching(/^metadata\.a\.b\.1: must not contain/)]);
    expect(issues({ ...ticket, metadata: { ['k'.repeat(TICKET_LIMITS.metadataMaxKeyLength + 1)]: 1 } })).toEqual([expect.stringMatching(/key is longer than 200/)]);
    expect(issues({ ...ticket, metadata: { blob: 'x'.repeat(TICKET_LIMITS.metadataMaxBytes) } })).toEqual([expect.stringMatching(/^metadata: metadata is 16395 bytes as JSON, the limit is 16384$/)]);
    expect(issues({ ...ticket, metadata: { blob: 'é'.repeat(8200) } })).toEqual([expect.stringMatching(/16411 bytes/)]);
  });
});
