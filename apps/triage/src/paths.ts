import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/** A file of the install (data/), from source (apps/triage/src) or from dist/ (dist/apps/triage/src). */
export function installPath(...segments: string[]): string {
  const candidates = [resolve(__dirname, '..', '..', '..', ...segments), resolve(__dirname, '..', '..', '..', '..', ...segments)];
  return candidates.find((c) => existsSync(c)) ?? candidates[0]!;
}
