import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { SwitchboardError } from '@switchboard/observability';
import { RoutingSchema, type Routing } from './routing.schema';

/** The routing table is missing, unreadable or invalid: start-up stops with every problem listed (exit 78). */
export class RoutingInvalidError extends SwitchboardError {
  constructor(path: string, readonly problems: string[], cause?: unknown) {
    super('HELPDESK.ROUTING_INVALID', 'user', `helpdesk routing file ${path} is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`, { cause });
  }
}

/** Parses a routing document (YAML, or JSON as a subset of it); throws {@link RoutingInvalidError} with every problem. */
export function parseRouting(text: string, path = '(inline)'): Routing {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (error) {
    throw new RoutingInvalidError(path, [`not valid YAML/JSON: ${(error as Error).message}`], error);
  }
  const result = RoutingSchema.safeParse(raw);
  if (!result.success) throw new RoutingInvalidError(path, result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`));
  const problems: string[] = [];
  const seen = new Map<string, number>();
  result.data.escalation.routes.forEach((r, i) => {
    const key = JSON.stringify([r.when.intent, r.when.tenant, r.when.reason, r.when.mode]);
    const first = seen.get(key);
    // A second route with the same conditions can never match: almost always a copy-paste mistake.
    if (first !== undefined) problems.push(`escalation.routes.${i}.when: same conditions as escalation.routes.${first}, so it never matches`);
    else seen.set(key, i);
  });
  if (problems.length > 0) throw new RoutingInvalidError(path, problems);
  return result.data;
}

export function loadRoutingFile(path: string): Routing {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new RoutingInvalidError(path, [`cannot read: ${(error as Error).message}`], error);
  }
  return parseRouting(text, path);
}
