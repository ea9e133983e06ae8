-- apply_event (migration 003) without its own copies of libs/store's SQL: the processed-message claim and the outbox
-- insert (with its lease rule) are now libs/store's claim_message and outbox_append (store migration 005). Same
-- signature and result, so CaseRepository is unchanged; what a transition writes is unchanged.
CREATE OR REPLACE FUNCTION supervisor.apply_event(
  p_consumer text, p_message_id text,
  p_create boolean, p_case_id text, p_version integer, p_status text, p_mode text, p_intent text,
  p_state jsonb, p_ticket jsonb, p_context jsonb, p_due_at timestamptz, p_at timestamptz,
  p_event text, p_event_id text, p_transitions jsonb, p_delta jsonb, p_trace jsonb,
  p_outcome_run integer, p_outcome_status text,
  p_topics text[], p_keys text[], p_values text[], p_headers jsonb[],
  p_lease_owner text, p_lease_ms integer
) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  v_outcome boolean := true;
  v_out jsonb;
BEGIN
  IF p_message_id IS NOT NULL AND NOT claim_message(p_consumer, p_message_id) THEN
    RETURN jsonb_build_object('result', 'duplicate');
  END IF;

  IF p_create THEN
    INSERT INTO supervisor.cases (case_id, tenant_id, region, source, external_id, status, mode, version, state, ticket, created_at, updated_at)
    VALUES (p_case_id, p_ticket->>'tenantId', p_ticket->>'region', p_ticket->>'source', p_ticket->>'externalId', p_state->>'status',
            p_state->>'mode', 0, p_state, p_ticket, p_at, p_at)
    ON CONFLICT (case_id) DO NOTHING;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'case % already exists', p_case_id USING ERRCODE = 'SBEXI';
    END IF;
  END IF;

  IF p_state IS NULL THEN
    -- The event changed nothing on the state it was decided on; that state must still be current, or the event was
    -- judged on a stale copy and has to be decided again.
    IF p_version IS NOT NULL AND NOT EXISTS (SELECT 1 FROM supervisor.cases WHERE case_id = p_case_id AND version = p_version - 1) THEN
      RAISE EXCEPTION 'case % is no longer at version %', p_case_id, p_version - 1 USING ERRCODE = 'SBVER';
    END IF;
  ELSE
    UPDATE supervisor.cases SET status = p_status, mode = p_mode, intent = p_intent, version = p_version, state = p_state,
           context = COALESCE(p_context, context), due_at = p_due_at, updated_at = p_at
     WHERE case_id = p_case_id AND version = p_version - 1;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'case % is no longer at version %', p_case_id, p_version - 1 USING ERRCODE = 'SBVER';
    END IF;

    INSERT INTO supervisor.transitions (case_id, version, from_status, to_status, reason, event, message_id, at)
    SELECT p_case_id, p_version, x.v->>'from_status', x.v->>'to_status', x.v->>'reason', p_event, p_event_id, p_at
      FROM jsonb_array_elements(p_transitions) WITH ORDINALITY AS x(v, n) ORDER BY x.n;

    INSERT INTO supervisor.checkpoints (case_id, version, status, event, delta, at)
    VALUES (p_case_id, p_version, p_status, p_event, p_delta, p_at);

    INSERT INTO supervisor.trace (case_id, version, kind, agent, task_id, data, input_tokens, output_tokens, cost_usd, at)
    SELECT p_case_id, p_version, x.v->>'kind', x.v->>'agent', x.v->>'task_id', x.v->'data', (x.v->>'input_tokens')::int,
           (x.v->>'output_tokens')::int, (x.v->>'cost_usd')::numeric, p_at
      FROM jsonb_array_elements(p_trace) WITH ORDINALITY AS x(v, n) ORDER BY x.n;

    IF p_outcome_run IS NOT NULL THEN
      INSERT INTO supervisor.outcomes (case_id, run, status, at) VALUES (p_case_id, p_outcome_run, p_outcome_status, p_at)
      ON CONFLICT DO NOTHING;
      v_outcome := FOUND;
    END IF;
  END IF;

  -- Direct publishing only when no earlier row of the case is still waiting for someone else (order per case); an
  -- outcome the run already sent is not sent again.
  v_out := outbox_append(p_topics, p_keys, p_values, p_headers, p_lease_owner, p_lease_ms, p_case_id,
                         CASE WHEN v_outcome THEN NULL ELSE 'tickets.outcomes' END);
  RETURN jsonb_build_object('result', 'applied', 'outcomeAccepted', v_outcome, 'outboxIds', v_out->'ids', 'leased', (v_out->>'leased')::boolean);
END $$;
