import type {
  Action, AgentName, AgentResult, CaseStatus, ErrorInfo, IntakeFindings, Passage, PayloadOf, PendingApproval, ProcedureRef, RolloutMode,
  SupervisorCommand, TicketEvent, TriageOutput,
} from '@switchboard/contracts';
import type { CaseHelpdesk, HelpdeskCaseEvent } from '../helpdesk/case-helpdesk.types';
import type { OutcomeTier } from '../outcomes/outcome-tier.types';
import type { ResolvedPolicy } from '../policy/policy.schema';

/** No event moves a case out of these. ESCALATED and AWAITING_APPROVAL wait for a human (the queue). */
export const TERMINAL_STATUSES: readonly CaseStatus[] = ['RESOLVED', 'FAILED', 'CLOSED'];
export const QUEUE_STATUSES: readonly CaseStatus[] = ['ESCALATED', 'AWAITING_APPROVAL', 'FAILED'];

/** What the verifier proved in a run, in the claim checker's terms (writes whose read-backs passed, passed checks). */
export interface ProvenFacts {
  verifiedActions: Array<{ tool: string; arguments: Record<string, unknown> }>;
  passedChecks: Array<{ id: string; tool: string; topics: string[]; observed?: Record<string, unknown> }>;
}

export interface OutstandingTask {
  taskId: string;
  agent: AgentName;
  attempt: number;
  dispatchedAt: string;
  deadline: string;
}

export interface PendingRetry {
  agent: AgentName;
  attempt: number;
  dueAt: string;
  reason: string;
}

export interface CaseCounters {
  iterations: number;
  llmCalls: number;
  tokens: number;
  costUsd: number;
  toolErrors: number;
  failures: number;
  replans: number;
  timeouts: number;
  duplicates: number;
  stale: number;
}

/** Immutable facts about the ticket, stored once in their own column (not in every checkpoint). */
export interface CaseTicket {
  ticket: TicketEvent;
}

/** Agent output the later steps need; stored in its own column and rewritten only when it changes. */
export interface CaseContext {
  triage?: TriageOutput;
  passages: Passage[];
}

/**
 * The bounded "core" of a case: what each checkpoint stores. Arrays are capped (see case.machine.ts) so a case at
 * step 50 checkpoints about as many bytes as at step 1; the full step history lives in the transition and trace rows.
 */
export interface CaseCore {
  caseId: string;
  tenantId: string;
  region: string;
  correlationId: string;
  status: CaseStatus;
  /** 1, and +1 for each human re-run; budgets scale with it and each run has at most one outcome. */
  run: number;
  mode: RolloutMode;
  policy: ResolvedPolicy;
  intent?: string;
  resolution?: {
    decision: 'resolved' | 'needs_approval' | 'escalate' | 'no_action';
    summary: string;
    draftReply: string;
    actions: Action[];
    /** The procedure followed and its slot values (absent for the free loop). */
    procedure?: ProcedureRef;
    slots?: Record<string, unknown>;
  };
  approval?: PendingApproval & { approvedBy?: string };
  /** Held writes a human approved, with the run they were approved in (capped): evidence of the outcome tier. */
  approvals?: Array<{ approvalId: string; tool: string; by: string; at: string; run: number }>;
  /** The run's verifier verdict; `proof` is what it proved, the only facts a human's reply may state (draft/draft-reply.ts). */
  verification?: { verified: boolean; reason?: string; evidence: number; passed: number; proof?: ProvenFacts };
  hint?: string;
  findings: Array<{ agent: string; summary: string }>;
  tried: Array<{ tool: string; arguments: Record<string, unknown>; outcome: string }>;
  /** Failure signature → occurrences (agent errors and failing tool calls), for the repeated-failure breaker. */
  failureCounts: Record<string, number>;
  /** Report-only breakers already reported, as `<run>:<breaker>` (once per run; absent on cases from before). */
  reportedBreakers?: string[];
  counters: CaseCounters;
  /** The models that answered the case's LLM calls, as the agents report them (capped). */
  models?: string[];
  outstanding?: OutstandingTask;
  retry?: PendingRetry;
  escalation?: { reason: string; breaker?: string; at: string; assignee?: string };
  /** Who is on the case (claim / reassign / take over); kept across re-runs, cleared by release. */
  assignee?: string;
  /** Deliveries to the helpdesk and signals from it (apps/helpdesk); see helpdesk/case-helpdesk.ts. */
  helpdesk?: CaseHelpdesk;
  /** The run's outcome tier (outcomes/outcome-tier.ts), recomputed after every event; absent while in progress. */
  tier?: OutcomeTier;
  /** Run whose terminal outcome was emitted (at most one per run). */
  outcomeRun?: number;
  /** Dispatch counter, part of the deterministic task ids. */
  seq: number;
  createdAt: string;
  updatedAt: string;
}

export type CaseState = CaseCore & CaseTicket & CaseContext;

export type CaseEvent =
  /** `intake`: what admission changed on the ticket (registry region, redacted credentials), for the verdict ledger. */
  | { kind: 'ticket_received'; messageId: string; intake?: IntakeFindings }
  | { kind: 'duplicate_ticket'; messageId: string }
  | { kind: 'agent_result'; messageId: string; result: AgentResult }
  | { kind: 'command'; messageId: string; command: SupervisorCommand; gatewayError?: string }
  /** From the scanner: a step deadline or a retry is due. */
  | { kind: 'tick'; messageId: string }
  /** The supervisor itself could not process a message of this case (after the bus retries). */
  | { kind: 'internal_failure'; messageId: string; error: ErrorInfo }
  /** From the helpdesk connector: a delivery's result or a ticket signal (recorded, never a status change). */
  | HelpdeskCaseEvent;

/** Tasks that need no credential. */
type PlainTaskTopic = 'agent.triage.tasks' | 'agent.retrieval.tasks';
/** Tasks that call the gateway: they carry a task token, which the machine requests and the case service mints. */
type TokenTaskTopic = 'agent.resolver.tasks' | 'agent.verifier.tasks';
type OutputTopic = 'tickets.outcomes' | 'tickets.replies' | 'tickets.internal-notes';

/** The task token a resolver / verifier task needs: decided by the pure machine, minted by the case service (a secret). */
export interface TokenRequest {
  agent: AgentName;
  mode: RolloutMode;
  /** The tools the task may call (the intent's allow-list), or `*` for every tool within the scopes. */
  tools: string[];
  scopes: Array<'read' | 'write'>;
  ttlSeconds: number;
}

/**
 * A message a decision emits, complete but for what the pure machine cannot hold: a gateway task's token is a request
 * (`token`) and its payload has no `gatewayToken` field until the case service mints one (case.service.ts toOutbox).
 */
export type OutgoingMessage =
  | { [T in PlainTaskTopic | OutputTopic]: { topic: T; payload: PayloadOf<T>; attempt: number } }[PlainTaskTopic | OutputTopic]
  | { [T in TokenTaskTopic]: { topic: T; payload: Omit<PayloadOf<T>, 'gatewayToken'>; attempt: number; token: TokenRequest } }[TokenTaskTopic];

export interface Transition {
  from: CaseStatus;
  to: CaseStatus;
  reason: string;
}

/** A row of the case trace the console renders: dispatches, agent outputs, ignored events, breakers. */
export interface TraceEntry {
  kind: 'dispatch' | 'result' | 'event' | 'breaker' | 'retry' | 'command';
  agent?: AgentName;
  taskId?: string;
  data: Record<string, unknown>;
  usage?: { inputTokens: number; outputTokens: number; costUsd: number };
}

export interface Decision {
  state: CaseState;
  emit: OutgoingMessage[];
  transitions: Transition[];
  trace: TraceEntry[];
  /** False when the event changed nothing (a tick before anything was due): nothing to write. */
  changed: boolean;
}
