-- Erasure without breaking the audit chain (docs/operations.md "Erasure"). From this migration on, a row's hash covers
-- salted digests of its `arguments` and `result` instead of the values themselves (hash_version 2): the payloads can
-- then be erased (set to NULL together with their salt) while every hash still verifies. Rows written before keep
-- hash_version 1 (hash over the values) and cannot be erased in place.
ALTER TABLE gateway.audit_log
  ADD COLUMN hash_version     smallint NOT NULL DEFAULT 1,
  ADD COLUMN salt             text,
  ADD COLUMN arguments_digest text,
  ADD COLUMN result_digest    text,
  ADD COLUMN erased_at        timestamptz;

-- Still append-only, with one exception: the erasure of a version-2 row's payloads, which changes nothing else.
CREATE OR REPLACE FUNCTION gateway.audit_log_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- Nested so OLD and NEW are only read for row-level UPDATEs (they are unset for TRUNCATE).
  IF TG_OP = 'UPDATE' THEN
    IF OLD.hash_version = 2 AND OLD.erased_at IS NULL AND NEW.erased_at IS NOT NULL
     AND NEW.arguments IS NULL AND NEW.result IS NULL AND NEW.salt IS NULL
     AND (NEW.id, NEW.at, NEW.case_id, NEW.task_id, NEW.tenant_id, NEW.agent, NEW.tool, NEW.tool_call_id, NEW.decision, NEW.outcome,
          NEW.error_code, NEW.latency_ms, NEW.approval_id, NEW.idempotency_key, NEW.prev_hash, NEW.hash, NEW.hash_version,
          NEW.arguments_digest, NEW.result_digest)
         IS NOT DISTINCT FROM
         (OLD.id, OLD.at, OLD.case_id, OLD.task_id, OLD.tenant_id, OLD.agent, OLD.tool, OLD.tool_call_id, OLD.decision, OLD.outcome,
          OLD.error_code, OLD.latency_ms, OLD.approval_id, OLD.idempotency_key, OLD.prev_hash, OLD.hash, OLD.hash_version,
          OLD.arguments_digest, OLD.result_digest) THEN
      RETURN NEW;
    END IF;
  END IF;
  RAISE EXCEPTION 'gateway.audit_log is append-only (% refused; only the erasure of a version-2 row''s payloads is allowed)', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END;
$$;
