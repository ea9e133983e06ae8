import { describeError, JsonLogger } from '@switchboard/observability';

/**
 * Makes a service process die cleanly instead of with a stack dump: an unhandled rejection or exception is logged as
 * one JSON error line (code and message, no stack) and the process exits 1, so the orchestrator restarts it.
 * Also the one way `main.ts` reports a failed start: `failStart(error)` prints one line to stderr and exits 1, or 78
 * (EX_CONFIG, like bad env) when the error's code is one of `configErrorCodes` — a bad policy, registry or procedure set.
 *
 * @example
 * const guard = installProcessGuards('ingress', { configErrorCodes: ['TENANT.REGISTRY_INVALID'] });
 * bootstrap().catch(guard.failStart);
 */
export function installProcessGuards(service: string, options: { configErrorCodes?: readonly string[] } = {}): { failStart: (error: unknown) => never } {
  const logger = new JsonLogger(service);
  const die = (what: string) => (error: unknown) => {
    logger.error(`${what}; exiting`, { error: describeError(error) });
    process.exit(1);
  };
  process.on('unhandledRejection', die('unhandled promise rejection'));
  process.on('uncaughtException', die('uncaught exception'));
  return {
    failStart(error: unknown): never {
      const { code, message } = describeError(error);
      process.stderr.write(`${service} failed to start: ${code}: ${message}\n`);
      process.exit(options.configErrorCodes?.includes(code) ? 78 : 1);
    },
  };
}
