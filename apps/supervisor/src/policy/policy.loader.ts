import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { SwitchboardError } from '@switchboard/observability';
import { PolicySchema, type Policy } from './policy.schema';

/** The policy file is missing, unreadable or invalid; start-up stops with every problem listed. */
export class PolicyInvalidError extends SwitchboardError {
  constructor(path: string, problems: string[], cause?: unknown) {
    super('SUPERVISOR.POLICY_INVALID', 'user', `policy file ${path} is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`, { cause });
  }
}

/** Parses a policy document (YAML is a superset of JSON, so both work). */
export function parsePolicy(text: string, path = '(inline)'): Policy {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (error) {
    throw new PolicyInvalidError(path, [`not valid YAML/JSON: ${(error as Error).message}`], error);
  }
  const result = PolicySchema.safeParse(raw);
  if (!result.success) throw new PolicyInvalidError(path, result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`));
  return result.data;
}

export function loadPolicyFile(path: string): Policy {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new PolicyInvalidError(path, [`cannot read: ${(error as Error).message}`], error);
  }
  return parsePolicy(text, path);
}
