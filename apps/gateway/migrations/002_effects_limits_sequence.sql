-- Writes keyed on their business effect, cumulative approval limits, superseded task tokens (issue 16).

-- The ledger key is now sha256(case, tool, effect) where the effect is the catalogue's effectKey arguments. A row is
-- committed as 'pending' with the exact arguments before the backend is called, so a retry (re-worded or not, after a
-- transient failure or a crash) re-sends those same arguments under the same Idempotency-Key; 'done' holds the final
-- outcome that every later call for the effect replays.
UPDATE gateway.write_ledger SET status = 'pending' WHERE status = 'in_flight';
ALTER TABLE gateway.write_ledger DROP CONSTRAINT write_ledger_status_check;
ALTER TABLE gateway.write_ledger ADD CONSTRAINT write_ledger_status_check CHECK (status IN ('pending', 'done'));
ALTER TABLE gateway.write_ledger
  ADD COLUMN effect_hash text,
  ADD COLUMN effect jsonb,
  ADD COLUMN arguments jsonb,
  -- The amountField's value, summed by cumulative limits.
  ADD COLUMN amount numeric;
-- Cumulative limits sum a tenant's executions of one tool (per case, per day, per identifying argument).
CREATE INDEX write_ledger_tenant_tool_idx ON gateway.write_ledger (tenant_id, tool, created_at);

-- Approvals are bound to the effect too: re-proposing the same effect with re-worded free text finds the same hold,
-- and at most one hold per effect is open (pending, or approved and not yet executed) at a time.
ALTER TABLE gateway.approvals ADD COLUMN effect_hash text;
UPDATE gateway.approvals SET effect_hash = 'legacy:' || id;
ALTER TABLE gateway.approvals ALTER COLUMN effect_hash SET NOT NULL;
ALTER TABLE gateway.approvals DROP CONSTRAINT approvals_status_check;
ALTER TABLE gateway.approvals ADD CONSTRAINT approvals_status_check CHECK (status IN ('pending', 'approved', 'rejected', 'executed', 'expired'));
DROP INDEX gateway.approvals_open_idx;
CREATE UNIQUE INDEX approvals_open_effect_idx ON gateway.approvals (case_id, tool, effect_hash) WHERE status IN ('pending', 'approved');

-- The highest task sequence number (token claim `seq`) seen per case: tokens with a lower one are superseded.
CREATE TABLE gateway.case_task_seq (
  case_id text PRIMARY KEY,
  seq bigint NOT NULL,
  task_id text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
