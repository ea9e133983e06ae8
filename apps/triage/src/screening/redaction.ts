/** Kinds of sensitive data the screening recognises. */
export type SensitiveKind = 'email' | 'phone' | 'card_number' | 'iban' | 'api_key' | 'aws_key' | 'bearer_token' | 'password' | 'jwt';

interface Detector {
  kind: SensitiveKind;
  pattern: RegExp;
  /** Secrets are always replaced; PII is replaced except where it is needed to act (the requester's own email). */
  secret: boolean;
  accept?: (match: string) => boolean;
}

function luhn(digits: string): boolean {
  const d = digits.replace(/\D/g, '');
  if (d.length < 13 || d.length > 19) return false;
  let sum = 0;
  for (let i = 0; i < d.length; i++) {
    let n = Number(d[d.length - 1 - i]);
    if (i % 2 === 1) { n *= 2; if (n > 9) n -= 9; }
    sum += n;
  }
  return sum % 10 === 0;
}

const DETECTORS: Detector[] = [
  { kind: 'jwt', pattern: /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\b/g, secret: true },
  { kind: 'bearer_token', pattern: /\bBearer\s+[A-Za-z0-9._~+/=-]{16,}/gi, secret: true },
  { kind: 'aws_key', pattern: /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g, secret: true },
  { kind: 'api_key', pattern: /\b(?:sk|pk|rk|api|key|tok)[-_](?:live|test|prod)?[-_]?[A-Za-z0-9]{16,}\b/gi, secret: true },
  { kind: 'password', pattern: /\b(password|passwd|pwd|passphrase)\s*[:=]\s*\S+/gi, secret: true },
  { kind: 'card_number', pattern: /\b(?:\d[ -]?){13,19}\b/g, secret: true, accept: luhn },
  { kind: 'iban', pattern: /\b[A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){3,7}(?:\s?[A-Z0-9]{1,3})?\b/g, secret: false },
  { kind: 'email', pattern: /\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b/g, secret: false },
  { kind: 'phone', pattern: /(?<![\w-])\+?\d{1,3}[ .-]?\(?\d{2,4}\)?[ .-]?\d{3,4}[ .-]?\d{3,4}(?![\w-])/g, secret: false },
];

export interface Screening {
  redacted: string;
  found: SensitiveKind[];
  secretsRemoved: number;
}

/**
 * Finds secrets and PII in ticket text and returns a copy safe to send onward (to an LLM, to other agents, to logs).
 * Secrets are always replaced with `[REDACTED:<kind>]`; PII such as emails is replaced too, except values in
 * `keep` (e.g. the requester's own address, which the resolver needs to look the user up).
 *
 * @example
 * screenText('my password: hunter2', []).redacted; // 'my [REDACTED:password]'
 */
export function screenText(text: string, keep: readonly string[] = []): Screening {
  const found = new Set<SensitiveKind>();
  let secretsRemoved = 0;
  let redacted = text;
  const keepLower = new Set(keep.map((k) => k.toLowerCase()));
  for (const d of DETECTORS) {
    redacted = redacted.replace(d.pattern, (match) => {
      if (d.accept && !d.accept(match)) return match;
      if (keepLower.has(match.toLowerCase())) return match;
      found.add(d.kind);
      if (d.secret) secretsRemoved++;
      return `[REDACTED:${d.kind}]`;
    });
  }
  return { redacted, found: [...found], secretsRemoved };
}
