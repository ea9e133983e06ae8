import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** A file of this app (policy, migrations) whether running from source (jest) or from dist/. */
export function supervisorAppPath(...segments: string[]): string {
  const candidates = [join(__dirname, '..', ...segments), resolve(__dirname, '..', '..', '..', '..', 'apps', 'supervisor', ...segments)];
  return candidates.find((c) => existsSync(c)) ?? candidates[0]!;
}
