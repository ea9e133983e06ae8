// Prints a passwordHash for SUPERVISOR_CONSOLE_USERS. The password comes from stdin (not argv, which `ps` shows):
//   printf '%s' "$PASSWORD" | node dist/apps/supervisor/src/cli/hash-password.js
import { hashPassword } from '../auth/password';

async function main(): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const password = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
  if (password.length < 12) {
    process.stderr.write('hash-password: pipe a password of at least 12 characters on stdin\n');
    process.exit(64);
  }
  process.stdout.write(`${await hashPassword(password)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`hash-password failed: ${(error as Error).message}\n`);
  process.exit(1);
});
