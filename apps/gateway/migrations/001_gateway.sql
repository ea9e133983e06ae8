CREATE SCHEMA IF NOT EXISTS gateway;

-- Exactly-once writes: one row per idempotency key. A call holds the row lock while it talks to the backend, so a
-- concurrent retry blocks and then reads the stored outcome instead of calling the backend again.
CREATE TABLE gateway.write_ledger (
  idempotency_key text PRIMARY KEY,
  case_id text NOT NULL,
  task_id text NOT NULL,
  tenant_id text NOT NULL,
  agent text NOT NULL,
  tool text NOT NULL,
  tool_call_id text NOT NULL,
  arguments_hash text NOT NULL,
  approval_id text,
  -- 'in_flight' rows exist only inside the owning transaction (it commits 'done' or rolls back), so a crash
  -- mid-call leaves nothing behind and the retry calls the backend again with the same Idempotency-Key.
  status text NOT NULL CHECK (status IN ('in_flight', 'done')),
  outcome jsonb,
  http_status int,
  created_at timestamptz NOT NULL DEFAULT now(),
  completed_at timestamptz
);
CREATE INDEX write_ledger_case_idx ON gateway.write_ledger (case_id);

-- Approval holds bound to the exact arguments (hash of canonical JSON).
CREATE TABLE gateway.approvals (
  id text PRIMARY KEY,
  case_id text NOT NULL,
  task_id text NOT NULL,
  tenant_id text NOT NULL,
  agent text NOT NULL,
  tool text NOT NULL,
  arguments jsonb NOT NULL,
  arguments_hash text NOT NULL,
  reason text NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'executed')),
  expires_at timestamptz NOT NULL,
  decided_by text,
  decided_at timestamptz,
  decision_note text,
  executed_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
-- One open hold per (case, tool, arguments): re-proposing the same write returns the same approval.
CREATE UNIQUE INDEX approvals_open_idx ON gateway.approvals (case_id, tool, arguments_hash) WHERE status = 'pending';

-- Append-only, hash-chained audit log of every call.
CREATE TABLE gateway.audit_log (
  id bigint PRIMARY KEY,
  at timestamptz NOT NULL,
  case_id text,
  task_id text,
  tenant_id text,
  agent text,
  tool text NOT NULL,
  tool_call_id text,
  arguments jsonb,
  decision text NOT NULL,
  outcome text NOT NULL,
  error_code text,
  result jsonb,
  latency_ms int NOT NULL,
  approval_id text,
  idempotency_key text,
  prev_hash text NOT NULL,
  hash text NOT NULL
);
CREATE SEQUENCE gateway.audit_log_id_seq OWNED BY gateway.audit_log.id;
CREATE INDEX audit_log_case_idx ON gateway.audit_log (case_id);

CREATE FUNCTION gateway.audit_log_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'gateway.audit_log is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON gateway.audit_log
  FOR EACH ROW EXECUTE FUNCTION gateway.audit_log_immutable();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON gateway.audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION gateway.audit_log_immutable();
