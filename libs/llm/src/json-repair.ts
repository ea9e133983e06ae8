/**
 * Parses JSON written by a model, tolerating what small models commonly get wrong: code fences, prose around the
 * object, trailing commas, single quotes, unquoted keys, Python literals, raw newlines in strings and unclosed
 * brackets. `repaired` says whether anything had to be fixed.
 *
 * @example
 * const r = parseModelJson('```json\n{"a": 1,}\n```'); // { ok: true, value: { a: 1 }, repaired: true }
 */
export function parseModelJson(text: string): { ok: true; value: unknown; repaired: boolean } | { ok: false; error: string } {
  const trimmed = text.trim();
  try {
    return { ok: true, value: JSON.parse(trimmed), repaired: false };
  } catch {
    // fall through to repair
  }
  const unfenced = trimmed.replace(/^```[a-zA-Z]*\s*\n?/, '').replace(/\n?```\s*$/, '');
  const start = unfenced.search(/[[{]/);
  if (start < 0) return { ok: false, error: 'no JSON object or array found' };
  const candidate = repair(unfenced.slice(start));
  try {
    return { ok: true, value: JSON.parse(candidate), repaired: true };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
}

const LITERALS: Record<string, string> = { True: 'true', False: 'false', None: 'null', true: 'true', false: 'false', null: 'null' };

function repair(src: string): string {
  let out = '';
  const stack: string[] = [];
  let quote: string | null = null;
  let i = 0;
  while (i < src.length) {
    const ch = src[i]!;
    if (quote) {
      if (ch === '\\') { out += ch + (src[i + 1] ?? ''); i += 2; continue; }
      if (ch === quote) { out += '"'; quote = null; i++; continue; }
      if (ch === '"') out += '\\"';
      else if (ch === '\n') out += '\\n';
      else if (ch === '\r') out += '\\r';
      else if (ch === '\t') out += '\\t';
      else out += ch;
      i++;
      continue;
    }
    if (ch === '"' || ch === "'") { quote = ch; out += '"'; i++; continue; }
    if (ch === '{' || ch === '[') { stack.push(ch === '{' ? '}' : ']'); out += ch; i++; continue; }
    if (ch === '}' || ch === ']') {
      out = out.replace(/,\s*$/, '');
      if (stack.length && stack[stack.length - 1] === ch) stack.pop();
      out += ch;
      i++;
      if (stack.length === 0) break;
      continue;
    }
    const word = /^[A-Za-z_$][\w$-]*/.exec(src.slice(i));
    if (word) {
      const w = word[0];
      const after = src.slice(i + w.length);
      if (/^\s*:/.test(after)) out += JSON.stringify(w);
      else out += LITERALS[w] ?? JSON.stringify(w);
      i += w.length;
      continue;
    }
    out += ch;
    i++;
  }
  if (quote) out += '"';
  out = out.replace(/,\s*$/, '').replace(/:\s*$/, ': null');
  while (stack.length) out += stack.pop();
  return out;
}
