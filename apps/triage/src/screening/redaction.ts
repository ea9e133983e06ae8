import { redactSecrets, type SecretKind } from '@switchboard/observability';

/** Kinds of sensitive data the screening recognises: credentials (from the shared secret detectors) and PII. */
export type SensitiveKind = SecretKind | 'email' | 'phone' | 'iban';

interface Detector {
  kind: SensitiveKind;
  pattern: RegExp;
}

// PII is replaced except where it is needed to act (the requester's own email); credentials always are.
const PII_DETECTORS: Detector[] = [
  { kind: 'iban', pattern: /\b[A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){3,7}(?:\s?[A-Z0-9]{1,3})?\b/g },
  { kind: 'email', pattern: /\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b/g },
  { kind: 'phone', pattern: /(?<![\w-])\+?\d{1,3}[ .-]?\(?\d{2,4}\)?[ .-]?\d{3,4}[ .-]?\d{3,4}(?![\w-])/g },
];

/** Markers left by an earlier redaction (the ingress and the supervisor redact credentials before triage sees a ticket). */
const MARKER = /\[REDACTED:([a-z_]+)\]/g;

export interface Screening {
  redacted: string;
  found: SensitiveKind[];
  secretsRemoved: number;
}

/**
 * Finds secrets and PII in ticket text and returns a copy safe to send onward (to an LLM, to other agents, to logs).
 * Credentials — passwords written in words in many languages, keys, tokens, private keys, card numbers — are replaced
 * by `redactSecrets` (libs/observability); PII such as emails is replaced too, except values in `keep` (e.g. the
 * requester's own address, which the resolver needs to look the user up). Credentials already redacted upstream
 * still count in `found`, so the PII flags say what the ticket held.
 *
 * @example
 * screenText('my password: hunter2', []).redacted; // 'my password: [REDACTED:password]'
 */
export function screenText(text: string, keep: readonly string[] = []): Screening {
  const found = new Set<SensitiveKind>();
  for (const m of text.matchAll(MARKER)) found.add(m[1] as SensitiveKind);
  const secrets = redactSecrets(text);
  for (const k of secrets.kinds) found.add(k);
  let redacted = secrets.text;
  const keepLower = new Set(keep.map((k) => k.toLowerCase()));
  for (const d of PII_DETECTORS) {
    redacted = redacted.replace(d.pattern, (match) => {
      if (keepLower.has(match.toLowerCase())) return match;
      found.add(d.kind);
      return `[REDACTED:${d.kind}]`;
    });
  }
  return { redacted, found: [...found], secretsRemoved: secrets.count };
}

/** What a redacted value reads as in the examples vote: PII keeps its shape (examples name addresses and numbers). */
const STAND_INS: Partial<Record<string, string>> = { email: 'someone@example.com', phone: '+1 555 0100' };

/**
 * The text as the labelled examples are written, for their vote: a marker is screening's artefact, not the customer's
 * words. An address or phone number becomes one of the same shape (the examples name them: "unlock peter@…"); a
 * credential, card number or IBAN is dropped (no example holds one, so `[REDACTED:card_number]` would only pull a
 * lockout ticket towards billing). The model still sees the markers (it is told something was removed).
 *
 * @example
 * withoutRedactionMarkers('unlock [REDACTED:email]. My card is [REDACTED:card_number].'); // 'unlock someone@example.com. My card is .'
 */
export function withoutRedactionMarkers(text: string): string {
  return text.replace(MARKER, (_m, kind: string) => STAND_INS[kind] ?? '').replace(/[ \t]{2,}/g, ' ');
}
