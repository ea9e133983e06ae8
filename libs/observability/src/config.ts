import { z } from 'zod';
import { SwitchboardError } from './errors';

/** Thrown when configuration does not parse; lists every bad key at once. */
export class ConfigError extends SwitchboardError {
  constructor(readonly problems: string[]) {
    super('CONFIG.INVALID', 'user', `invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/**
 * Parses environment variables with a zod schema, once, at bootstrap. The only sanctioned reader of
 * `process.env` (STYLE.md §6). Every problem is reported, not just the first.
 *
 * @example
 * const config = loadConfig(z.object({ KAFKA_BROKERS: z.string().default('127.0.0.1:9092') }));
 */
export function loadConfig<S extends z.ZodType>(schema: S, env: Record<string, string | undefined> = process.env): z.output<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`),
  );
}

/**
 * Like {@link loadConfig} but for process entry points: prints every bad key and exits with status 78 (EX_CONFIG).
 *
 * @example
 * const config = loadConfigOrExit(SupervisorConfigSchema);
 */
export function loadConfigOrExit<S extends z.ZodType>(schema: S, env: Record<string, string | undefined> = process.env): z.output<S> {
  try {
    return loadConfig(schema, env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78);
    }
    throw error;
  }
}

/** Zod helpers for env values, which are always strings. */
export const env = {
  /** `"true" | "false" | "1" | "0"` → boolean. */
  bool: (fallback: boolean) =>
    z
      .enum(['true', 'false', '1', '0'])
      .default(fallback ? 'true' : 'false')
      .transform((v) => v === 'true' || v === '1'),
  /** A positive integer given as a string. */
  int: (fallback: number) => z.coerce.number().int().nonnegative().default(fallback),
  /** A comma-separated list. */
  list: (fallback: string) =>
    z
      .string()
      .default(fallback)
      .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean)),
};

const SECRET_KEY = /(SECRET|PASSWORD|TOKEN|KEY|PRIVATE|CREDENTIAL|SIGNING)/i;

/**
 * A copy of a config object safe to log: values of keys that look secret, and passwords inside URLs, are masked.
 *
 * @example
 * logger.log({ msg: 'config loaded', config: redactConfig(config) });
 */
export function redactConfig(config: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    if (SECRET_KEY.test(key)) out[key] = value === undefined || value === '' ? value : '***';
    else if (typeof value === 'string') out[key] = value.replace(/(\/\/[^:/@]+:)[^@]+@/, '$1***@');
    else out[key] = value;
  }
  return out;
}
