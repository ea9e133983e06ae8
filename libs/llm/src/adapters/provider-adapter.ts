import { LlmPort, type LlmCallContext, type ToolSpec } from '../llm.port';
import { LlmRequestInvalidError } from '../llm.errors';

/** Which vendor an adapter talks to. */
export type ProviderKind = 'bedrock' | 'ollama' | 'llama-cpp';

/**
 * Model id per role (agent name), with a `default` for roles not listed.
 *
 * @example
 * const models: RoleModels = { default: 'qwen3:8b', triage: 'qwen3:1.7b' };
 */
export type RoleModels = { default: string } & Record<string, string>;

/**
 * An adapter for one configured provider instance. `name` is the instance name used in region policy
 * (e.g. `bedrock-us`, `ollama-eu`), `kind` the vendor.
 *
 * @example
 * const adapters: ProviderAdapter[] = [new OllamaAdapter({ host, models: { default: 'qwen3:8b' } })];
 */
export abstract class ProviderAdapter extends LlmPort {
  abstract readonly name: string;
  abstract readonly kind: ProviderKind;
  /** The model a call of this role would ask for (the trace's `gen_ai.request.model`), when known before the call. */
  requestModel(_ctx: LlmCallContext, _operation: 'chat' | 'embeddings'): string | undefined {
    return undefined;
  }

  /** Releases sockets, native memory and the like. */
  async close(): Promise<void> {}
}

/** Picks the model for the caller's role. */
export function modelFor(models: RoleModels, ctx: LlmCallContext): string {
  return models[ctx.agent] ?? models.default;
}

/** Removes JSON-Schema metadata that some providers reject (`$schema`). */
export function stripSchemaMeta(schema: Record<string, unknown>): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = schema;
  return rest;
}

/** Tool names and ids must be unique; a duplicate would make tool results ambiguous. */
export function assertUniqueTools(provider: string, tools: ToolSpec[] | undefined): void {
  const seen = new Set<string>();
  for (const t of tools ?? []) {
    if (seen.has(t.name)) throw new LlmRequestInvalidError(provider, `duplicate tool name "${t.name}"`);
    seen.add(t.name);
  }
}
