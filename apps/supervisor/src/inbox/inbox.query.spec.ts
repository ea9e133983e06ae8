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

  it('makes prefix terms of the words, dropping tsquery operators and quotes; a whole case id is an exact lookup', () => {
    expect(searchOf('ops@globex.example')).toEqual({ tsquery: "'ops@globex.example':*" });
    expect(searchOf("  Refund   it's  (urgent) | !x & y:* ")).toEqual({ tsquery: "'refund':* & 'its':* & 'urgent':* & 'x':* & 'y':*" });
    expect(searchOf('Über straße')).toEqual({ tsquery: "'über':* & 'straße':*" });
    expect(searchOf("'' -- ...")).toEqual({ nothing: true });
    expect((searchOf('a b c d e f g h i j') as { tsquery: string }).tsquery.split(' & ')).toHaveLength(8);
    expect(searchOf(' case_0123456789abcdef01234567 ')).toEqual({ caseId: 'case_0123456789abcdef01234567' });
    expect(searchOf('case_0123 refund')).toEqual({ tsquery: "'case_0123':* & 'refund':*" });
  });
});
