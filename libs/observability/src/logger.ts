import { AsyncLocalStorage } from 'node:async_hooks';
import type { LoggerService } from '@nestjs/common';
import { trace } from '@opentelemetry/api';
import { redactSecrets } from './secret-text';

/** Fields carried by every log line written inside {@link withLogContext}. */
export interface LogContext {
  caseId?: string;
  correlationId?: string;
  messageId?: string;
  [key: string]: string | undefined;
}

const storage = new AsyncLocalStorage<LogContext>();
const LEVELS = { error: 0, warn: 1, info: 2, debug: 3, verbose: 4 } as const;
export type LogLevel = keyof typeof LEVELS;
let threshold: number = LEVELS.info;
let sink: (line: string) => void = (line) => process.stdout.write(`${line}\n`);
const SECRET_FIELD = /(secret|password|token|api[-_]?key|authorization|credential|signature)/i;

/**
 * Sets the level and (for tests) the sink of every logger in the process. Call once at bootstrap.
 *
 * @example
 * configureLogging({ level: config.LOG_LEVEL });
 */
export function configureLogging(options: { level?: LogLevel; sink?: (line: string) => void }): void {
  if (options.level) threshold = LEVELS[options.level];
  if (options.sink) sink = options.sink;
}

/**
 * Runs `fn` with fields that every log line inside it (including async continuations) carries.
 *
 * @example
 * await withLogContext({ caseId: env.caseId, correlationId: env.correlationId }, () => handler(env));
 */
export function withLogContext<T>(context: LogContext, fn: () => T): T {
  return storage.run({ ...storage.getStore(), ...context }, fn);
}

/** The fields of the innermost {@link withLogContext}, if any. */
export function currentLogContext(): LogContext {
  return storage.getStore() ?? {};
}

// Field names that look secret are masked whole; credentials written inside any text (an error echoing a ticket, a
// model's output) are redacted in place.
function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactSecrets(value).text;
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return { name: value.name, message: redactSecrets(value.message).text, ...(value as { code?: string }).code ? { code: (value as { code?: string }).code } : {} };
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = SECRET_FIELD.test(k) && typeof v === 'string' ? '***' : redact(v, depth + 1);
  return out;
}

/**
 * Structured JSON logger with its own context name (STYLE.md §10). Each line carries the ambient
 * case/correlation ids and the active OpenTelemetry trace id. Fields whose names look secret are masked, and
 * credentials written inside the message or any text field (`redactSecrets`) are redacted. Also a Nest `LoggerService`, so `app.useLogger(new JsonLogger('nest'))` routes framework logs here.
 *
 * @example
 * private readonly logger = new JsonLogger(CaseService.name);
 * this.logger.info('case created', { tenantId });
 */
export class JsonLogger implements LoggerService {
  constructor(private readonly context: string) {}

  info(msg: string, fields?: Record<string, unknown>): void { this.write('info', msg, fields); }
  warn(msg: string, fields?: Record<string, unknown>): void { this.write('warn', msg, fields); }
  error(msg: string, fields?: Record<string, unknown>): void { this.write('error', msg, fields); }
  debug(msg: string, fields?: Record<string, unknown>): void { this.write('debug', msg, fields); }

  // LoggerService: Nest passes (message, ...optionalParams) where the last param is often its context.
  log(message: unknown, ...params: unknown[]): void { this.write('info', String(message), nestFields(params)); }
  verbose(message: unknown, ...params: unknown[]): void { this.write('verbose', String(message), nestFields(params)); }

  private write(level: LogLevel, msg: string, fields?: Record<string, unknown>): void {
    if (LEVELS[level] > threshold) return;
    const span = trace.getActiveSpan()?.spanContext();
    const line = {
      time: new Date().toISOString(),
      level,
      context: this.context,
      msg: redactSecrets(msg).text,
      ...currentLogContext(),
      ...(span ? { traceId: span.traceId, spanId: span.spanId } : {}),
      ...(fields ? (redact(fields) as Record<string, unknown>) : {}),
    };
    sink(JSON.stringify(line));
  }
}

function nestFields(params: unknown[]): Record<string, unknown> | undefined {
  if (params.length === 0) return undefined;
  const last = params[params.length - 1];
  return typeof last === 'string' ? { nestContext: last, ...(params.length > 1 ? { detail: params.slice(0, -1) } : {}) } : { detail: params };
}
