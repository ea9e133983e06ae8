// The scenario format (data, in test/scenarios/scenarios/*.json) and its loader. A scenario says what comes in (the
// ticket, the backend's starting state via faults and SQL on top of the seed), which supervisor policy runs it, and
// what must hold at the end: the case status (and escalation reason), the reply's claims, and the backend's tables.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

const RowSchema = z.record(z.string(), z.unknown());

export const StateChangeSchema = z.union([
  z.object({ table: z.string(), where: RowSchema, set: RowSchema }).strict(),
  z.object({ table: z.string(), insert: RowSchema }).strict(),
  z.object({ table: z.string(), delete: RowSchema }).strict(),
]);

export const ScenarioSchema = z.object({
  id: z.string().regex(/^[a-z0-9-]+$/),
  /** The intent the ticket is about (the report's grouping), not necessarily what triage will say. */
  intent: z.string(),
  title: z.string(),
  /** A file in test/scenarios/policies (without .yaml), or `default` for the shipped policy. */
  policy: z.string().default('autonomous'),
  ticket: z.object({
    tenantId: z.string(), region: z.string(), subject: z.string(), body: z.string(),
    requester: z.string().email().optional(), priority: z.enum(['low', 'normal', 'high', 'urgent']).optional(),
  }).strict(),
  setup: z.object({
    /** Reference-backend faults (`POST /admin/faults`), set after the reseed. */
    faults: z.array(z.object({ operation: z.string(), mode: z.string(), times: z.number().int().positive().optional(), delayMs: z.number().int().nonnegative().optional() })).default([]),
    /** SQL run on the backend's database after the reseed (e.g. a trigger), and after the run. */
    sql: z.array(z.string()).default([]),
    teardownSql: z.array(z.string()).default([]),
    /** Publish the same ticket this many times (duplicate delivery). */
    publishTimes: z.number().int().min(1).max(5).default(1),
  }).strict().default({ faults: [], sql: [], teardownSql: [], publishTimes: 1 }),
  /** A human's decision once the case waits for approval. */
  approval: z.enum(['approve', 'reject']).optional(),
  expect: z.object({
    status: z.enum(['RESOLVED', 'ESCALATED', 'AWAITING_APPROVAL', 'FAILED', 'CLOSED']),
    mode: z.enum(['shadow', 'assist', 'autonomous']).optional(),
    /** Exact escalation breaker; null: an escalation without a breaker (shadow / assist hand-off). */
    breaker: z.string().nullable().optional(),
    /** A case-insensitive regular expression the escalation reason must match. */
    reason: z.string().optional(),
    /** null: no customer reply may be sent. */
    reply: z.object({ contains: z.array(z.string()).default([]), notContains: z.array(z.string()).default([]) }).strict().nullable(),
    /**
     * The internal note for the human (shadow / assist hand-offs): what its text must and must not say and which tools it
     * must propose; null: no note may be sent; absent: not graded.
     */
    note: z.object({
      contains: z.array(z.string()).default([]), notContains: z.array(z.string()).default([]), proposes: z.array(z.string()).default([]),
    }).strict().nullable().optional(),
    /** Changes to the seeded tables; everything not named must be exactly as seeded. */
    changes: z.array(StateChangeSchema),
    duplicates: z.number().int().nonnegative().optional(),
  }).strict(),
}).strict();

export type Scenario = z.output<typeof ScenarioSchema>;

export const SCENARIO_DIR = join(__dirname, '..', 'scenarios');
export const POLICY_DIR = join(__dirname, '..', 'policies');
const ROOT = join(__dirname, '..', '..', '..');

/** Every scenario file, validated; ids must be unique. Throws with every problem listed. */
export function loadScenarios(dir = SCENARIO_DIR): Scenario[] {
  const out: Scenario[] = [];
  const problems: string[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    const raw = JSON.parse(readFileSync(join(dir, file), 'utf8')) as unknown[];
    raw.forEach((entry, i) => {
      const parsed = ScenarioSchema.safeParse(entry);
      if (parsed.success) out.push(parsed.data);
      else problems.push(`${file}[${i}]: ${parsed.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; ')}`);
    });
  }
  const seen = new Set<string>();
  for (const s of out) {
    if (seen.has(s.id)) problems.push(`duplicate scenario id ${s.id}`);
    seen.add(s.id);
  }
  if (problems.length) throw new Error(`invalid scenarios:\n${problems.join('\n')}`);
  return out;
}

export function policyYaml(name: string): string {
  if (name === 'default') return readFileSync(join(ROOT, 'apps', 'supervisor', 'policy', 'default.policy.yaml'), 'utf8');
  return readFileSync(join(POLICY_DIR, `${name}.yaml`), 'utf8');
}
