import { parseModelJson } from './json-repair';

describe('parseModelJson', () => {
  it.each([
    ['{"a":1}', { a: 1 }, false],
    ['```json\n{"a": 1}\n```', { a: 1 }, true],
    ['Here you go: {"a": [1, 2,], } thanks', { a: [1, 2] }, true],
    ["{'a': 'it\"s'}", { a: 'it"s' }, true],
    ['{a: True, b: None}', { a: true, b: null }, true],
    ['{"a": {"b": "unterminated', { a: { b: 'unterminated' } }, true],
    ['{"text": "line\nbreak"}', { text: 'line\nbreak' }, true],
  ])('parses %j', (input, value, repaired) => {
    expect(parseModelJson(input)).toEqual({ ok: true, value, repaired });
  });

  it('fails cleanly when there is no JSON at all', () => {
    expect(parseModelJson('I cannot help with that')).toEqual({ ok: false, error: 'no JSON object or array found' });
  });
});
