import { describeError } from '@switchboard/observability';

/** Runs a CLI's main and exits with its code; a thrown error is printed with its code (65 bad input, 70 otherwise). */
export function runCli(name: string, main: () => Promise<number>): void {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      const e = describeError(error);
      process.stderr.write(`${name} failed: [${e.code}] ${e.message}\n`);
      process.exit(e.category === 'user' ? 65 : 70);
    },
  );
}
