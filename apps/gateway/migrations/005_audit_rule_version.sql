-- Each audit row names the version of the rules that decided it (issue 19): `tool:<name>@<sha256 of the tool's
-- definition, 12 hex>`, `catalog:<hex>` for a call naming no known tool, NULL for a refusal of the token itself.
-- Rows written from now on are hash_version 3, whose hash covers rule_version; older rows keep their version and their
-- hash (they have no rule version), so the chain verifies across the change.
ALTER TABLE gateway.audit_log ADD COLUMN IF NOT EXISTS rule_version text;

-- Still append-only with one exception, the erasure of a version-2 or version-3 row's payloads, which changes nothing
-- else (the rule version included).
CREATE OR REPLACE FUNCTION gateway.audit_log_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- Nested so OLD and NEW are only read for row-level UPDATEs (they are unset for TRUNCATE).
  IF TG_OP = 'UPDATE' THEN
    IF OLD.hash_version IN (2, 3) AND OLD.erased_at IS NULL AND NEW.erased_at IS NOT NULL
     AND NEW.arguments IS NULL AND NEW.result IS NULL AND NEW.salt IS NULL
     AND (NEW.id, NEW.at, NEW.case_id, NEW.task_id, NEW.tenant_id, NEW.agent, NEW.tool, NEW.tool_call_id, NEW.decision, NEW.outcome,
          NEW.error_code, NEW.latency_ms, NEW.approval_id, NEW.idempotency_key, NEW.prev_hash, NEW.hash, NEW.hash_version,
          NEW.arguments_digest, NEW.result_digest, NEW.rule_version)
         IS NOT DISTINCT FROM
         (OLD.id, OLD.at, OLD.case_id, OLD.task_id, OLD.tenant_id, OLD.agent, OLD.tool, OLD.tool_call_id, OLD.decision, OLD.outcome,
          OLD.error_code, OLD.latency_ms, OLD.approval_id, OLD.idempotency_key, OLD.prev_hash, OLD.hash, OLD.hash_version,
          OLD.arguments_digest, OLD.result_digest, OLD.rule_version) THEN
      RETURN NEW;
    END IF;
  END IF;
  RAISE EXCEPTION 'gateway.audit_log is append-only (% refused; only the erasure of a version-2 or version-3 row''s payloads is allowed)', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END;
$$;
