-- The cross-case control-verdict ledger (GET /v1/verdicts): trace rows that can be verdicts, and approval decisions,
-- by time. Each arm of the ledger's query implies one arm of the trace predicate, so the planner can use it.
CREATE INDEX IF NOT EXISTS trace_verdicts_at ON supervisor.trace (at)
  WHERE kind = 'breaker' OR kind = 'event' OR (kind = 'result' AND agent = 'verifier') OR (kind = 'result' AND agent = 'triage');
CREATE INDEX IF NOT EXISTS decisions_approvals_at ON supervisor.decisions (at) WHERE command IN ('approve', 'reject');
