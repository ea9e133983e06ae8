-- One transition in one statement (CaseRepository.applyEvent): the processed-message ledger row, the case insert
-- (for a new ticket), the version-checked state update, transitions, checkpoint delta, trace entries, the outcome
-- guard and the outbox rows. Sent on its own (autocommit) it is one round trip that includes its commit; inside an
-- explicit transaction (locked paths) it is one round trip of that transaction.
-- Returns {"result": "duplicate"} when the message was already processed (nothing written), otherwise
-- {"result": "applied", "outcomeAccepted", "outboxIds", "leased"}. Raises SQLSTATE SBVER when the case is no longer at
-- the version the decision was taken on (also for an event that changed nothing: it was judged on a stale copy) and
-- SBEXI when a new case already exists; both roll the whole statement back. p_state NULL = the event changed nothing.
CREATE FUNCTION supervisor.apply_event(
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
  v_leased boolean := false;
  v_ids bigint[];
BEGIN
  IF p_message_id IS NOT NULL THEN
    INSERT INTO processed_messages (consumer, message_id) VALUES (p_consumer, p_message_id) ON CONFLICT DO NOTHING;
    IF NOT FOUND THEN
      RETURN jsonb_build_object('result', 'duplicate');
    END IF;
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

  IF cardinality(p_topics) > 0 THEN
    -- Direct publishing only when no earlier row of the case is still waiting for someone else (order per case).
    v_leased := p_lease_owner IS NOT NULL AND NOT EXISTS (
      SELECT 1 FROM outbox WHERE key = p_case_id AND sent_at IS NULL AND lease_owner IS DISTINCT FROM p_lease_owner);
    WITH ins AS (
      INSERT INTO outbox (topic, key, value, headers, lease_until, lease_owner)
      SELECT m.t, m.k, m.v, m.h,
             CASE WHEN v_leased THEN clock_timestamp() + p_lease_ms * interval '1 millisecond' END,
             CASE WHEN v_leased THEN p_lease_owner END
        FROM unnest(p_topics, p_keys, p_values, p_headers) WITH ORDINALITY AS m(t, k, v, h, n)
       WHERE v_outcome OR m.t <> 'tickets.outcomes'
       ORDER BY m.n
      RETURNING id
    )
    SELECT array_agg(id ORDER BY id) INTO v_ids FROM ins;
  END IF;

  RETURN jsonb_build_object('result', 'applied', 'outcomeAccepted', v_outcome, 'outboxIds', COALESCE(to_jsonb(v_ids), '[]'::jsonb),
                            'leased', v_leased);
END $$;
