import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { AgentNameSchema, type AgentName } from '@switchboard/contracts';

const CONTEXT = 'switchboard.agent-proof.v1\n';
/** Separates the task token from the agent's proof in the bearer credential (as SD-JWT separates its key binding). */
export const AGENT_PROOF_SEPARATOR = '~';

const agentKey = z.string().min(32, 'an agent key must be at least 32 characters').regex(/^[^,~\s]+$/, 'an agent key has no commas, tildes or spaces');

/**
 * Agent side (resolver, verifier): the agent's own gateway credential. It never leaves the agent: only a proof
 * computed from it and one task token does.
 *
 * @example
 * export const ResolverConfigSchema = BusConfigSchema.extend(GatewayAgentConfigSchema.shape).extend({ ... });
 */
export const GatewayAgentConfigSchema = z.object({
  /** This agent's key (≥ 32 chars); the gateway holds the same key under the agent's name in GATEWAY_AGENT_KEYS. */
  GATEWAY_AGENT_KEY: agentKey,
});
export type GatewayAgentConfig = z.infer<typeof GatewayAgentConfigSchema>;

/**
 * Gateway side: each agent's key(s), `<agent>:<key>` comma-separated (several per agent while rotating). A task token
 * is accepted only with a proof made with a key of the agent named in the token.
 *
 * @example
 * const GatewayConfigSchema = StoreConfigSchema.extend(GatewayTokenConfigSchema.shape).extend(GatewayAgentKeysConfigSchema.shape);
 */
export const GatewayAgentKeysConfigSchema = z.object({
  /** Each agent's key(s) for task-token binding, `<agent>:<key>` comma-separated (keys ≥ 32 chars; several per agent while rotating). */
  GATEWAY_AGENT_KEYS: z
    .string()
    .default('')
    .transform((raw) => raw.split(',').map((s) => s.trim()).filter(Boolean))
    .pipe(
      z
        .array(z.string().regex(/^[a-z]+:[^,~\s]{32,}$/, 'each GATEWAY_AGENT_KEYS entry is <agent>:<key>, the key at least 32 characters'))
        .min(1, 'set GATEWAY_AGENT_KEYS (e.g. resolver:<key>,verifier:<key>): task tokens are accepted only from the agent they were minted for')
        .transform((entries, ctx) => {
          const keys: Partial<Record<AgentName, string[]>> = {};
          for (const entry of entries) {
            const agent = AgentNameSchema.safeParse(entry.slice(0, entry.indexOf(':')));
            if (!agent.success) {
              ctx.addIssue({ code: 'custom', message: `GATEWAY_AGENT_KEYS: unknown agent "${entry.slice(0, entry.indexOf(':'))}"` });
              return z.NEVER;
            }
            (keys[agent.data] ??= []).push(entry.slice(entry.indexOf(':') + 1));
          }
          return keys;
        }),
    ),
});
export type GatewayAgentKeysConfig = z.infer<typeof GatewayAgentKeysConfigSchema>;

function proofOf(token: string, key: string): Buffer {
  return createHmac('sha256', key).update(CONTEXT + token, 'utf8').digest();
}

/**
 * The bearer credential an agent sends for a task token: `<token>~<proof>`, where the proof is an HMAC of the token
 * under the agent's own key. A token lifted from a Kafka topic or the outbox cannot be used without that key.
 *
 * @example
 * fetch(url, { headers: { authorization: `Bearer ${bindTaskToken(task.gatewayToken, config.GATEWAY_AGENT_KEY)}` } });
 */
export function bindTaskToken(token: string, key: string): string {
  return `${token}${AGENT_PROOF_SEPARATOR}${proofOf(token, key).toString('base64url')}`;
}

/** Splits a bearer credential into the token and the agent's proof (undefined when the proof is missing). */
export function splitBoundToken(credential: string): { token: string; proof?: string } {
  const at = credential.lastIndexOf(AGENT_PROOF_SEPARATOR);
  return at < 0 ? { token: credential } : { token: credential.slice(0, at), proof: credential.slice(at + 1) };
}

/**
 * Whether `proof` was made for `token` with one of `keys` (constant time per key).
 *
 * @example
 * verifyAgentProof(token, proof, config.GATEWAY_AGENT_KEYS[claims.agent] ?? []); // true | false
 */
export function verifyAgentProof(token: string, proof: string, keys: readonly string[]): boolean {
  const given = Buffer.from(proof, 'base64url');
  let ok = false;
  for (const key of keys) {
    const expected = proofOf(token, key);
    if (given.length === expected.length && timingSafeEqual(given, expected)) ok = true;
  }
  return ok;
}
