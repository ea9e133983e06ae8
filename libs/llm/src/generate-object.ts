import { z } from 'zod';
import { LlmOutputInvalidError } from './llm.errors';
import { addUsage, ZERO_USAGE, type ChatMessage, type ChatRequest, type JsonSchema, type LlmCallContext, type LlmCallOptions, type LlmPort, type TokenUsage } from './llm.port';
import { parseModelJson } from './json-repair';

/** JSON Schemas already derived from zod schemas: the conversion costs more than the rest of a scripted call. */
const JSON_SCHEMAS = new WeakMap<z.ZodType, JsonSchema>();

/** Result of {@link generateObject}: the validated value, usage summed over attempts, and how many attempts it took. */
export interface GenerateObjectResult<T> {
  value: T;
  usage: TokenUsage;
  attempts: number;
  provider: string;
  model: string;
}

/**
 * Structured output: asks for JSON matching `schema` (its JSON Schema goes to the provider as `responseSchema`),
 * parses tolerantly, validates with zod, and on failure tells the model exactly what was wrong and asks again, at most
 * `maxRepairs` times. Then it throws `LlmOutputInvalidError` (`LLM.OUTPUT_INVALID`). Provider errors (timeout,
 * throttling, region) propagate unchanged.
 *
 * @example
 * const Triage = z.object({ intent: z.enum(['billing', 'bug', 'other']), priority: z.number().int().min(1).max(4) });
 * const { value, usage } = await generateObject(llm, { system: 'Classify the ticket.', messages }, Triage, ctx);
 */
export async function generateObject<T>(
  llm: LlmPort,
  req: Omit<ChatRequest, 'responseSchema' | 'tools'>,
  schema: z.ZodType<T>,
  ctx: LlmCallContext,
  options: { maxRepairs?: number } & LlmCallOptions = {},
): Promise<GenerateObjectResult<T>> {
  const maxRepairs = options.maxRepairs ?? 2;
  let responseSchema = JSON_SCHEMAS.get(schema);
  if (!responseSchema) {
    responseSchema = z.toJSONSchema(schema, { unrepresentable: 'any' }) as JsonSchema;
    JSON_SCHEMAS.set(schema, responseSchema);
  }
  const messages: ChatMessage[] = [...req.messages];
  let usage = ZERO_USAGE;
  let lastIssues: string[] = [];
  let lastOutput = '';
  for (let attempt = 1; attempt <= maxRepairs + 1; attempt++) {
    const res = await llm.chat({ ...req, messages, responseSchema }, ctx, { signal: options.signal, timeoutMs: options.timeoutMs });
    usage = addUsage(usage, res.usage);
    lastOutput = res.text;
    const parsed = parseModelJson(res.text);
    if (parsed.ok) {
      const checked = schema.safeParse(parsed.value);
      if (checked.success) return { value: checked.data, usage, attempts: attempt, provider: res.provider, model: res.model };
      lastIssues = checked.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`);
    } else {
      lastIssues = [`not valid JSON (${parsed.error})`];
    }
    messages.push(
      { role: 'assistant', content: res.text },
      {
        role: 'user',
        content:
          `Your previous answer was rejected:\n${lastIssues.map((i) => `- ${i}`).join('\n')}\n` +
          `Reply again with only a JSON value that matches this JSON Schema, and nothing else:\n${JSON.stringify(responseSchema)}`,
      },
    );
  }
  throw new LlmOutputInvalidError(maxRepairs + 1, lastIssues, lastOutput);
}
