import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** A file of this app (policy, migrations, console) whether running from source (jest) or from dist/. */
export function supervisorAppPath(...segments: string[]): string {
  const candidates = [join(__dirname, '..', ...segments), resolve(__dirname, '..', '..', '..', '..', 'apps', 'supervisor', ...segments)];
  return candidates.find((c) => existsSync(c)) ?? candidates[0]!;
}

/** A file of the repository (docs/), from source or from dist/. */
export function repoPath(...segments: string[]): string {
  const candidates = [resolve(__dirname, '..', '..', '..', ...segments), resolve(__dirname, '..', '..', '..', '..', ...segments)];
  return candidates.find((c) => existsSync(c)) ?? candidates[0]!;
}
