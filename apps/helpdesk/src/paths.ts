import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** A file of this app (routing table, migrations) whether running from source (jest) or from dist/. */
export function helpdeskAppPath(...segments: string[]): string {
  const candidates = [join(__dirname, '..', ...segments), resolve(__dirname, '..', '..', '..', '..', 'apps', 'helpdesk', ...segments)];
  return candidates.find((c) => existsSync(c)) ?? candidates[0]!;
}
