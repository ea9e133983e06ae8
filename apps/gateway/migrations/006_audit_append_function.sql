-- One round trip per audit row (issue 21): the chain lock, the last hash, the next id, the row's hash and its insert
-- in one function call, instead of a round trip for the lock and the head, one for the insert and one for the commit.
-- The hash is the same as before, sha256(prev_hash ‖ '\n' ‖ canonical JSON of the row), so rows written either way
-- chain onto each other and verify with the same code (apps/gateway/src/audit/audit-hash.ts). The canonical JSON is
-- still built by the gateway, which sends it in two parts, before and after the row's id (`auditHashParts`); the id
-- is only known here, under the lock, and goes between them as a JSON string.
CREATE FUNCTION gateway.audit_append(
  p_before text, p_after text,
  p_at timestamptz, p_case_id text, p_task_id text, p_tenant_id text, p_agent text, p_tool text, p_tool_call_id text,
  p_arguments jsonb, p_decision text, p_outcome text, p_error_code text, p_result jsonb, p_latency_ms integer,
  p_approval_id text, p_idempotency_key text, p_salt text, p_arguments_digest text, p_result_digest text, p_rule_version text
) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  v_prev text;
  v_id bigint;
  v_hash text;
BEGIN
  -- Serialises appends so each row chains onto the one before it; released when the caller's transaction ends (at
  -- the end of this statement when it is autocommitted).
  PERFORM pg_advisory_xact_lock(hashtext('gateway.audit_log'));
  SELECT hash INTO v_prev FROM gateway.audit_log ORDER BY id DESC LIMIT 1;
  v_prev := COALESCE(v_prev, repeat('0', 64));
  v_id := nextval('gateway.audit_log_id_seq');
  v_hash := encode(sha256(convert_to(v_prev || E'\n' || p_before || to_json(v_id::text)::text || p_after, 'UTF8')), 'hex');
  INSERT INTO gateway.audit_log (id, at, case_id, task_id, tenant_id, agent, tool, tool_call_id, arguments, decision, outcome,
    error_code, result, latency_ms, approval_id, idempotency_key, prev_hash, hash, hash_version, salt, arguments_digest, result_digest, rule_version)
  VALUES (v_id, p_at, p_case_id, p_task_id, p_tenant_id, p_agent, p_tool, p_tool_call_id, p_arguments, p_decision, p_outcome,
    p_error_code, p_result, p_latency_ms, p_approval_id, p_idempotency_key, v_prev, v_hash, 3, p_salt, p_arguments_digest, p_result_digest, p_rule_version);
  RETURN v_id::text;
END $$;
