import { z } from 'zod';
import { DEFAULT_INTENTS, RolloutModeSchema, type RolloutMode } from '@switchboard/contracts';

const positiveInt = z.number().int().positive();

/**
 * Budget breakers that may run report-only (`budgets.reportOnly`): a trip is recorded as a `reported` verdict and the
 * case goes on. The loop guards — iterations and repeated failures — always enforce: reporting them would let a case
 * loop until its step deadline.
 */
export const REPORTABLE_BREAKERS = ['max_tokens', 'max_cost', 'max_tool_errors'] as const;
const ReportOnlySchema = z.array(z.enum(REPORTABLE_BREAKERS)).max(REPORTABLE_BREAKERS.length);

export const BudgetsSchema = z
  .object({
    /** Agent dispatches per case (retries and re-plans count). */
    maxIterations: positiveInt.default(10),
    /** LLM input + output tokens per case. */
    maxTokens: positiveInt.default(200_000),
    maxCostUsd: z.number().positive().default(2),
    /** Tool errors reported by agents, summed over the case. */
    maxToolErrors: z.number().int().nonnegative().default(5),
    /** An agent that has not answered within this is treated as a transient failure. */
    stepTimeoutMs: positiveInt.default(120_000),
    /** The same failing action (tool + arguments + error) or the same agent error this many times trips the breaker. */
    maxRepeatedFailures: positiveInt.default(3),
    /** Times a resolver failure (bad plan / bad output) is sent back to the resolver before escalating. */
    maxReplans: z.number().int().nonnegative().default(1),
    /** Breakers that only report (a new, tighter budget tried before it enforces); see REPORTABLE_BREAKERS. */
    reportOnly: ReportOnlySchema.default([]),
  })
  .strict();
export type Budgets = z.infer<typeof BudgetsSchema>;

export const RetrySchema = z
  .object({ maxAttempts: positiveInt.default(3), baseMs: positiveInt.default(2_000), factor: z.number().min(1).default(2) })
  .strict();

const MinConfidenceSchema = z
  .object({
    autonomous: z.number().min(0).max(1).default(0.95),
    assist: z.number().min(0).max(1).default(0),
    shadow: z.number().min(0).max(1).default(0),
  })
  .strict();

const confidence = z.number().min(0).max(1);
// Override fragments carry no defaults: an unset field must fall through to the less specific level.
const BudgetsOverrideSchema = z
  .object({
    maxIterations: positiveInt, maxTokens: positiveInt, maxCostUsd: z.number().positive(), maxToolErrors: z.number().int().nonnegative(),
    stepTimeoutMs: positiveInt, maxRepeatedFailures: positiveInt, maxReplans: z.number().int().nonnegative(), reportOnly: ReportOnlySchema,
  })
  .partial()
  .strict();
const MinConfidenceOverrideSchema = z.object({ autonomous: confidence, assist: confidence, shadow: confidence }).partial().strict();

const OverrideSchema = z
  .object({
    tenant: z.string().min(1).optional(),
    intent: z.string().min(1).optional(),
    mode: RolloutModeSchema.optional(),
    minConfidence: MinConfidenceOverrideSchema.optional(),
    budgets: BudgetsOverrideSchema.optional(),
  })
  .strict()
  .refine((o) => o.tenant !== undefined || o.intent !== undefined, 'an override needs a tenant, an intent or both');

/**
 * The supervisor policy file (YAML or JSON), validated at start-up. Overrides are matched most specific first:
 * tenant + intent > tenant > intent > defaults; each field not set falls through to the next level.
 */
export const PolicySchema = z
  .object({
    version: z.literal(1),
    defaultMode: RolloutModeSchema.default('shadow'),
    intents: z.array(z.string().min(1)).min(1).default([...DEFAULT_INTENTS]),
    minConfidence: MinConfidenceSchema.default({ autonomous: 0.95, assist: 0, shadow: 0 }),
    /** `shadow`: continue read-only and escalate with the note; `escalate`: hand to a human right after triage. */
    onHighInjectionRisk: z.enum(['shadow', 'escalate']).default('shadow'),
    budgets: BudgetsSchema.default(BudgetsSchema.parse({})),
    retry: RetrySchema.default(RetrySchema.parse({})),
    taskTokenTtlSeconds: positiveInt.default(900),
    resolverMaxSteps: positiveInt.max(50).default(8),
    retrievalLimit: positiveInt.max(50).default(5),
    /**
     * Intents whose free ReAct loop (no procedure fits the ticket) may write in autonomous mode, within the intent's
     * tools allow-list. Off by default: autonomous writes come from simulated procedures. For capable models only.
     */
    freeLoopWrites: z.array(z.string().min(1)).default([]),
    overrides: z.array(OverrideSchema).default([]),
    /**
     * Automatic demotion of an autonomous tenant + intent to assist when, within `windowMinutes`, its verification
     * failures, reopens or bad customer ratings (helpdesk satisfaction signals) reach a threshold (rollout/demotion.ts).
     * Absent: never demoted automatically.
     */
    demotion: z
      .object({ windowMinutes: positiveInt.default(60), maxVerificationFailures: positiveInt.optional(), maxReopens: positiveInt.optional(), maxNegativeRatings: positiveInt.optional() })
      .strict()
      .refine((d) => d.maxVerificationFailures !== undefined || d.maxReopens !== undefined || d.maxNegativeRatings !== undefined, 'set maxVerificationFailures, maxReopens, maxNegativeRatings or several')
      .optional(),
    /**
     * What a promotion by command (POST /v1/rollout/promotions) needs as evidence, over the last `windowDays`: at least
     * `minRatedCases` of the pair's cases in a lower mode rated by humans (their note, draft or outcome), a share of
     * thumbs-up of at least `minApproval`, at most `maxVerificationFailures`; to autonomous also every procedure of the
     * intent with passing simulations (rollout/promotion.ts). With `minAgreement`, also that share of humans' replies
     * (sent unedited from the shadow draft) and approval decisions (approved) agreeing with the proposals.
     */
    promotion: z
      .object({
        windowDays: positiveInt.max(365).default(30),
        minRatedCases: positiveInt.default(20),
        minApproval: z.number().min(0).max(1).default(0.9),
        maxVerificationFailures: z.number().int().min(0).default(0),
        minAgreement: z.number().min(0).max(1).optional(),
      })
      .strict()
      .default({ windowDays: 30, minRatedCases: 20, minApproval: 0.9, maxVerificationFailures: 0 }),
  })
  .strict()
  .superRefine((policy, ctx) => {
    policy.freeLoopWrites.forEach((intent, i) => {
      if (!policy.intents.includes(intent)) ctx.addIssue({ code: 'custom', path: ['freeLoopWrites', i], message: `intent "${intent}" is not in intents` });
    });
    const seen = new Set<string>();
    policy.overrides.forEach((o, i) => {
      if (o.intent !== undefined && !policy.intents.includes(o.intent)) {
        ctx.addIssue({ code: 'custom', path: ['overrides', i, 'intent'], message: `intent "${o.intent}" is not in intents` });
      }
      const key = `${o.tenant ?? '*'}|${o.intent ?? '*'}`;
      if (seen.has(key)) ctx.addIssue({ code: 'custom', path: ['overrides', i], message: `duplicate override for tenant ${o.tenant ?? '*'} intent ${o.intent ?? '*'}` });
      seen.add(key);
    });
  });
export type Policy = z.infer<typeof PolicySchema> & {
  /** `tenant|intent` pairs demoted to assist (supervisor.demotions), added by the supervisor at run time, never from the file. */
  demoted?: readonly string[];
  /** `tenant|intent` → mode promoted to by a supervisor with evidence (supervisor.promotions), added at run time. */
  promoted?: Readonly<Record<string, RolloutMode>>;
};

const MODE_RANK: Record<RolloutMode, number> = { shadow: 0, assist: 1, autonomous: 2 };

/** True when `a` gives the agents more autonomy than `b`. */
export function moreAutonomous(a: RolloutMode, b: RolloutMode): boolean {
  return MODE_RANK[a] > MODE_RANK[b];
}

/** The policy that applies to one case (tenant, and intent once triage knows it); snapshotted into the case state. */
export interface ResolvedPolicy {
  mode: RolloutMode;
  /** Which rule chose the mode, for the trace and the outcome. */
  modeSource: string;
  /** Minimum triage confidence per mode (the case's mode can still be downgraded, e.g. on injection risk). */
  minConfidence: Record<RolloutMode, number>;
  budgets: Budgets;
  retry: z.infer<typeof RetrySchema>;
  taskTokenTtlSeconds: number;
  resolverMaxSteps: number;
  retrievalLimit: number;
}

/**
 * Applies defaults, then intent, tenant and tenant + intent overrides, in that order (most specific wins).
 *
 * @example
 * resolvePolicy(policy, 'globex', 'refund').mode; // 'assist'
 */
export function resolvePolicy(policy: Policy, tenantId: string, intent?: string): ResolvedPolicy {
  const levels = [
    policy.overrides.find((o) => o.intent !== undefined && o.tenant === undefined && o.intent === intent),
    policy.overrides.find((o) => o.tenant === tenantId && o.intent === undefined),
    policy.overrides.find((o) => o.tenant === tenantId && o.intent !== undefined && o.intent === intent),
  ];
  let mode = policy.defaultMode;
  let modeSource = 'default';
  const minConfidence = { ...policy.minConfidence };
  const budgets = { ...policy.budgets };
  const names = ['intent', 'tenant', 'tenant+intent'];
  levels.forEach((o, i) => {
    if (!o) return;
    if (o.mode) {
      mode = o.mode;
      modeSource = names[i]!;
    }
    Object.assign(minConfidence, stripUndefined(o.minConfidence ?? {}));
    Object.assign(budgets, stripUndefined(o.budgets ?? {}));
  });
  // A promotion only raises autonomy: a policy file that already gives more keeps it.
  const promoted = intent !== undefined ? policy.promoted?.[demotionKey(tenantId, intent)] : undefined;
  if (promoted && moreAutonomous(promoted, mode)) {
    mode = promoted;
    modeSource = 'promoted';
  }
  // A demotion only lowers autonomy: an intent already in shadow or assist stays where it is.
  if (intent !== undefined && mode === 'autonomous' && policy.demoted?.includes(demotionKey(tenantId, intent))) {
    mode = 'assist';
    modeSource = 'demoted';
  }
  return {
    mode,
    modeSource,
    minConfidence,
    budgets,
    retry: policy.retry,
    taskTokenTtlSeconds: policy.taskTokenTtlSeconds,
    resolverMaxSteps: policy.resolverMaxSteps,
    retrievalLimit: policy.retrievalLimit,
  };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * The key of a tenant + intent in {@link Policy.demoted}.
 *
 * @example
 * demotionKey('globex', 'refund'); // 'globex|refund'
 */
export function demotionKey(tenantId: string, intent: string): string {
  return `${tenantId}|${intent}`;
}
