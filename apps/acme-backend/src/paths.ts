import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The acme migrations folder, whether running from source (jest) or from dist/. */
export function acmeMigrationsDir(): string {
  const candidates = [join(__dirname, '..', 'migrations'), resolve(__dirname, '..', '..', '..', '..', 'apps', 'acme-backend', 'migrations')];
  return candidates.find((c) => existsSync(c)) ?? candidates[0]!;
}
