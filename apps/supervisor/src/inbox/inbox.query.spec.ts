import { decodeCursor, encodeCursor, searchOf } from './inbox.query';

describe('inbox query', () => {
  it('round-trips a cursor and refuses anything it did not hand out', () => {
    const c = { urgency: 3, updatedUs: '1764842400123456', caseId: 'case_0123456789abcdef01234567' };
    expect(decodeCursor(encodeCursor(c))).toEqual(c);
    for (const bad of ['', 'not a cursor', Buffer.from('4:1:case_0123456789abcdef01234567').toString('base64url'), Buffer.from('1:-5:case_0123456789abcdef01234567').toString('base64url'),
      Buffer.from("1:1:case_0123456789abcdef01234567' OR 1=1").toString('base64url'), 'x'.repeat(101)]) {
      expect(decodeCursor(bad)).toBeUndefined();
    }
  });

  it('makes prefix terms of the words, dropping tsquery operators and quotes', () => {
    expect(searchOf('ops@globex.example')).toEqual({ exact: 'ops@globex.example', tsquery: "'ops@globex.example':*" });
    expect(searchOf("  Refund   it's  (urgent) | !x & y:* ")).toEqual({ exact: "Refund   it's  (urgent) | !x & y:*", tsquery: "'refund':* & 'its':* & 'urgent':* & 'x':* & 'y':*" });
    expect(searchOf('Über straße').tsquery).toBe("'über':* & 'straße':*");
    expect(searchOf("'' -- ...").tsquery).toBeNull();
    expect(searchOf('a b c d e f g h i j').tsquery!.split(' & ')).toHaveLength(8);
  });
});
