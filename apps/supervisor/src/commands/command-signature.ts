import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { canonicalJson, type Envelope, type SupervisorCommand } from '@switchboard/contracts';
import { SwitchboardError } from '@switchboard/observability';

/** Kafka header that carries a command's signature: `v1,kid=<key id>,t=<unix seconds>,sig=<base64url HMAC-SHA256>`. */
export const COMMAND_SIGNATURE_HEADER = 'switchboard-command-signature';
const VERSION = 'v1';
const CONTEXT = 'switchboard.supervisor-command.v1';

/**
 * `SUPERVISOR_COMMAND_KEYS`: comma-separated `<key id>:<secret>` pairs. The first signs what this supervisor publishes
 * (console and API); every listed key is accepted, so a key is rotated by adding the new one first, then removing the
 * old one once no command signed with it can still be in flight. Give each outside publisher its own key id.
 */
export const CommandKeysSchema = z
  .string()
  .default('')
  .transform((raw) => raw.split(',').map((s) => s.trim()).filter(Boolean))
  .pipe(
    z
      .array(z.string().regex(/^[a-z0-9][a-z0-9._-]{0,39}:.{32,}$/, 'each SUPERVISOR_COMMAND_KEYS entry is <key id>:<secret>, a key id of [a-z0-9._-] and a secret of at least 32 characters'))
      .min(1, 'set SUPERVISOR_COMMAND_KEYS: the supervisor acts only on commands signed with one of these keys (docs/security.md)')
      .transform((entries) => entries.map((e) => ({ id: e.slice(0, e.indexOf(':')), secret: e.slice(e.indexOf(':') + 1) })))
      .refine((keys) => new Set(keys.map((k) => k.id)).size === keys.length, 'SUPERVISOR_COMMAND_KEYS key ids must be unique'),
  );
export type CommandKey = z.output<typeof CommandKeysSchema>[number];

/** Why a command was refused; the bus dead-letters it with this code and message, and the case does not change. */
export type CommandRefusal = 'UNSIGNED' | 'MALFORMED' | 'UNKNOWN_KEY' | 'FORGED' | 'EXPIRED';

/**
 * A command on `supervisor.commands` that is not signed by a known key, does not verify, or is too old. Category
 * `user`: never retried, dead-lettered with this reason.
 *
 * @example
 * try { verifier.verify(envelope, headers); } catch (e) { if (e instanceof CommandRefusedError) e.code; }
 */
export class CommandRefusedError extends SwitchboardError {
  constructor(readonly refusal: CommandRefusal, message: string) {
    super(`SUPERVISOR.COMMAND_${refusal}`, 'user', message);
  }
}

/** RFC 8785-style canonical JSON (keys sorted at every level, no whitespace): publishers in other languages rebuild it. */
export { canonicalJson };

/** The exact string a command signature is the HMAC-SHA256 of (docs/security.md gives it for other publishers). */
export function commandSigningInput(keyId: string, t: number, envelope: Pick<Envelope<SupervisorCommand>, 'id' | 'caseId' | 'payload'>): string {
  return [CONTEXT, keyId, String(t), envelope.caseId, envelope.id, canonicalJson(envelope.payload)].join('\n');
}

function mac(secret: string, input: string): Buffer {
  return createHmac('sha256', secret).update(input, 'utf8').digest();
}

/**
 * Signs and verifies supervisor commands: an HMAC over the canonical command, the case id, the envelope id and the
 * signing time, with a key from SUPERVISOR_COMMAND_KEYS. The console and the API sign what they publish; the consumer
 * refuses anything else. A replay of a signed command is the same envelope id (the processed ledger makes it a no-op),
 * a signature moved to another case or command does not verify, and an old one expires.
 *
 * @example
 * const signer = new CommandSignatures(config.SUPERVISOR_COMMAND_KEYS, config.SUPERVISOR_COMMAND_MAX_AGE_SECONDS);
 * await Outbox.add(tx, [{ topic: 'supervisor.commands', key: caseId, value: envelope, headers: signer.sign(envelope) }]);
 * signer.verify(message.envelope, message.headers); // throws CommandRefusedError
 */
export class CommandSignatures {
  constructor(
    private readonly keys: readonly CommandKey[],
    private readonly maxAgeSeconds: number,
    private readonly clock: () => number = Date.now,
  ) {
    if (keys.length === 0) throw new RangeError('CommandSignatures needs at least one key');
  }

  /** The headers to publish `envelope` with, signed with the first key. */
  sign(envelope: Pick<Envelope<SupervisorCommand>, 'id' | 'caseId' | 'payload'>): Record<string, string> {
    const key = this.keys[0]!;
    const t = Math.floor(this.clock() / 1000);
    const sig = mac(key.secret, commandSigningInput(key.id, t, envelope)).toString('base64url');
    return { [COMMAND_SIGNATURE_HEADER]: `${VERSION},kid=${key.id},t=${t},sig=${sig}` };
  }

  /** Returns the key id that signed `envelope`; throws {@link CommandRefusedError} saying why it is not acceptable. */
  verify(envelope: Pick<Envelope<SupervisorCommand>, 'id' | 'caseId' | 'payload'>, headers: Record<string, string>): string {
    const header = headers[COMMAND_SIGNATURE_HEADER];
    if (!header) throw new CommandRefusedError('UNSIGNED', `command has no ${COMMAND_SIGNATURE_HEADER} header; only signed commands are acted on (docs/security.md)`);
    const fields = Object.fromEntries(header.split(',').slice(1).map((part) => [part.slice(0, part.indexOf('=')), part.slice(part.indexOf('=') + 1)]));
    const t = Number(fields.t);
    if (!header.startsWith(`${VERSION},`) || !fields.kid || !/^\d{1,12}$/.test(fields.t ?? '') || !/^[A-Za-z0-9_-]{43}$/.test(fields.sig ?? '')) {
      throw new CommandRefusedError('MALFORMED', `${COMMAND_SIGNATURE_HEADER} must be "${VERSION},kid=<key id>,t=<unix seconds>,sig=<base64url HMAC-SHA256>"`);
    }
    const key = this.keys.find((k) => k.id === fields.kid);
    if (!key) throw new CommandRefusedError('UNKNOWN_KEY', `command is signed with key "${fields.kid}", which is not in SUPERVISOR_COMMAND_KEYS`);
    const expected = mac(key.secret, commandSigningInput(key.id, t, envelope));
    const given = Buffer.from(fields.sig!, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new CommandRefusedError('FORGED', `command signature (key "${key.id}") does not verify: the command, case, envelope id or time was changed, or the key is wrong`);
    }
    const now = Math.floor(this.clock() / 1000);
    if (now - t > this.maxAgeSeconds) throw new CommandRefusedError('EXPIRED', `command was signed ${now - t} s ago, more than SUPERVISOR_COMMAND_MAX_AGE_SECONDS (${this.maxAgeSeconds}); send it again`);
    if (t - now > 60) throw new CommandRefusedError('EXPIRED', `command is signed ${t - now} s in the future; check the publisher's clock`);
    return key.id;
  }
}
