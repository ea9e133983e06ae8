-- apply_transition with less work per event (issue 21). Same arguments, effects and result as migration 027's; what
-- changed is how much Postgres does for them:
--   * A new case is inserted once, at the event's version, with the event's state and KPI facts. It used to be
--     inserted at version 0 and updated at once: the row, its ten index entries and its search document were written
--     twice for every new case.
--   * Each part of the argument (transitions, trace rows, verdicts) is read out once, and the statements of an empty
--     part are not run: most events write one or two of the three.
--   * The large values (the case's state, context and ticket, checkpoint deltas, trace data) are compressed with lz4
--     where this Postgres is built with it, which costs less CPU than the default pglz to write and to read; every
--     update of a case writes its state, and the search trigger (migration 020) reads the old one. Values written
--     before keep their compression until they are written again. Without lz4 the columns keep pglz.
DO $$
BEGIN
  ALTER TABLE supervisor.cases ALTER COLUMN state SET COMPRESSION lz4, ALTER COLUMN context SET COMPRESSION lz4,
                               ALTER COLUMN ticket SET COMPRESSION lz4;
  ALTER TABLE supervisor.checkpoints ALTER COLUMN delta SET COMPRESSION lz4;
  ALTER TABLE supervisor.trace ALTER COLUMN data SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
  RAISE NOTICE 'this Postgres is built without lz4: the case tables keep pglz compression';
END $$;

CREATE OR REPLACE FUNCTION supervisor.apply_transition(p_write jsonb, p_outbox jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  v_case_id text := p_write->>'caseId';
  v_version integer := (p_write->>'version')::integer;
  v_event text := p_write->'event'->>'kind';
  v_event_id text := p_write->'event'->>'messageId';
  v_change jsonb := p_write->'change';
  v_transitions jsonb;
  v_trace jsonb;
  v_verdicts jsonb;
  v_ticket jsonb;
  v_at timestamptz;
  v_outcome boolean := true;
  v_out jsonb;
  -- this event's share of the case's KPI facts (migration 027)
  v_moves integer := 0;
  v_awaits integer := 0;
  v_last_to text;
  v_resolved boolean := false;
  v_escalated boolean := false;
  v_tokens bigint := 0;
  v_cost numeric := 0;
  v_human boolean := false;
BEGIN
  -- Nested, not AND: SQL does not promise to skip the claim when there is no ledger row to write.
  IF jsonb_typeof(p_write->'ledger') = 'object' THEN
    IF NOT claim_message(p_write->'ledger'->>'consumer', p_write->'ledger'->>'messageId') THEN
      RETURN jsonb_build_object('result', 'duplicate');
    END IF;
  END IF;

  IF jsonb_typeof(v_change) IS DISTINCT FROM 'object' THEN
    -- The event changed nothing on the state it was decided on; that state must still be current, or the event was
    -- judged on a stale copy and has to be decided again.
    IF NOT EXISTS (SELECT 1 FROM supervisor.cases WHERE case_id = v_case_id AND version = v_version - 1) THEN
      RAISE EXCEPTION 'case % is no longer at version %', v_case_id, v_version - 1 USING ERRCODE = 'SBVER';
    END IF;
  ELSE
    v_at := (v_change->>'at')::timestamptz;
    v_transitions := COALESCE(v_change->'transitions', '[]'::jsonb);
    v_trace := COALESCE(v_change->'trace', '[]'::jsonb);
    v_verdicts := COALESCE(v_change->'verdicts', '[]'::jsonb);

    IF jsonb_array_length(v_transitions) > 0 THEN
      SELECT count(*)::integer, count(*) FILTER (WHERE x.v->>'to' = 'AWAITING_APPROVAL')::integer, (array_agg(x.v->>'to' ORDER BY x.n DESC))[1],
             COALESCE(bool_or(x.v->>'to' = 'RESOLVED'), false), COALESCE(bool_or(x.v->>'to' = 'ESCALATED'), false)
        INTO v_moves, v_awaits, v_last_to, v_resolved, v_escalated
        FROM jsonb_array_elements(v_transitions) WITH ORDINALITY AS x(v, n);
    END IF;
    IF jsonb_array_length(v_trace) > 0 THEN
      SELECT COALESCE(SUM(COALESCE((t->>'inputTokens')::integer, 0) + COALESCE((t->>'outputTokens')::integer, 0)), 0),
             COALESCE(SUM((t->>'costUsd')::numeric), 0), COALESCE(bool_or(t->>'kind' = 'command'), false)
        INTO v_tokens, v_cost, v_human
        FROM jsonb_array_elements(v_trace) AS t;
    END IF;

    IF (v_change->>'create')::boolean THEN
      -- A new case starts from no facts: the UPDATE below, applied to the defaults of migration 027's columns.
      IF v_version <> 1 THEN
        RAISE EXCEPTION 'case % is no longer at version %', v_case_id, v_version - 1 USING ERRCODE = 'SBVER';
      END IF;
      v_ticket := v_change->'ticket';
      INSERT INTO supervisor.cases (case_id, tenant_id, region, source, external_id, status, mode, intent, version, state, ticket, context,
                                    due_at, created_at, updated_at, resolved_at, escalated, human_touched, approvals, approval_seconds,
                                    awaiting_approval_since, tokens, cost_usd)
      VALUES (v_case_id, v_ticket->>'tenantId', v_ticket->>'region', v_ticket->>'source', v_ticket->>'externalId',
              v_change->>'status', v_change->>'mode', v_change->>'intent', v_version, v_change->'state', v_ticket, COALESCE(v_change->'context', '{}'::jsonb),
              (v_change->>'dueAt')::timestamptz, v_at, v_at, CASE WHEN v_resolved THEN v_at END, v_escalated, v_human,
              v_awaits - (CASE WHEN v_last_to = 'AWAITING_APPROVAL' THEN 1 ELSE 0 END), 0,
              CASE WHEN v_last_to = 'AWAITING_APPROVAL' THEN v_at END, v_tokens, v_cost)
      ON CONFLICT (case_id) DO NOTHING;
      IF NOT FOUND THEN
        RAISE EXCEPTION 'case % already exists', v_case_id USING ERRCODE = 'SBEXI';
      END IF;
    ELSE
      -- The KPI facts (migration 027), from the previous values: the first transition of the event closes an open
      -- approval hold, and a hold entered and left within this event counts with no wait (all its transitions share v_at).
      UPDATE supervisor.cases SET status = v_change->>'status', mode = v_change->>'mode', intent = v_change->>'intent', version = v_version,
             state = v_change->'state', context = COALESCE(v_change->'context', context), due_at = (v_change->>'dueAt')::timestamptz, updated_at = v_at,
             resolved_at = COALESCE(resolved_at, CASE WHEN v_resolved THEN v_at END),
             escalated = escalated OR v_escalated,
             human_touched = human_touched OR v_human,
             approvals = approvals + v_awaits - (CASE WHEN v_last_to = 'AWAITING_APPROVAL' THEN 1 ELSE 0 END)
                       + (CASE WHEN v_moves > 0 AND awaiting_approval_since IS NOT NULL THEN 1 ELSE 0 END),
             approval_seconds = approval_seconds
                       + (CASE WHEN v_moves > 0 AND awaiting_approval_since IS NOT NULL THEN EXTRACT(EPOCH FROM (v_at - awaiting_approval_since))::float8 ELSE 0 END),
             awaiting_approval_since = CASE WHEN v_moves = 0 THEN awaiting_approval_since WHEN v_last_to = 'AWAITING_APPROVAL' THEN v_at END,
             tokens = tokens + v_tokens,
             cost_usd = cost_usd + v_cost
       WHERE case_id = v_case_id AND version = v_version - 1;
      IF NOT FOUND THEN
        RAISE EXCEPTION 'case % is no longer at version %', v_case_id, v_version - 1 USING ERRCODE = 'SBVER';
      END IF;
    END IF;

    IF v_moves > 0 THEN
      INSERT INTO supervisor.transitions (case_id, version, from_status, to_status, reason, event, message_id, at)
      SELECT v_case_id, v_version, x.v->>'from', x.v->>'to', x.v->>'reason', v_event, v_event_id, v_at
        FROM jsonb_array_elements(v_transitions) WITH ORDINALITY AS x(v, n) ORDER BY x.n;
    END IF;

    INSERT INTO supervisor.checkpoints (case_id, version, status, event, delta, at)
    VALUES (v_case_id, v_version, v_change->>'status', v_event, v_change->'delta', v_at);

    IF jsonb_array_length(v_trace) > 0 THEN
      INSERT INTO supervisor.trace (case_id, version, kind, agent, task_id, data, input_tokens, output_tokens, cost_usd, at)
      SELECT v_case_id, v_version, x.v->>'kind', x.v->>'agent', x.v->>'taskId', x.v->'data', (x.v->>'inputTokens')::int,
             (x.v->>'outputTokens')::int, (x.v->>'costUsd')::numeric, v_at
        FROM jsonb_array_elements(v_trace) WITH ORDINALITY AS x(v, n) ORDER BY x.n;
    END IF;

    IF jsonb_array_length(v_verdicts) > 0 THEN
      INSERT INTO supervisor.control_verdicts (case_id, case_version, at, source, control, rule, rule_version, verdict, agent, task_id, detail)
      SELECT v_case_id, v_version, v_at, x.v->>'source', x.v->>'control', x.v->>'rule', x.v->>'ruleVersion', x.v->>'verdict',
             x.v->>'agent', x.v->>'taskId', x.v->>'detail'
        FROM jsonb_array_elements(v_verdicts) WITH ORDINALITY AS x(v, n) ORDER BY x.n;
    END IF;

    IF jsonb_typeof(v_change->'outcome') = 'object' THEN
      INSERT INTO supervisor.outcomes (case_id, run, status, at)
      VALUES (v_case_id, (v_change->'outcome'->>'run')::integer, v_change->'outcome'->>'status', v_at)
      ON CONFLICT DO NOTHING;
      v_outcome := FOUND;
    END IF;
  END IF;

  -- Direct publishing only when no earlier row of the case is still waiting for someone else (order per case); an
  -- outcome the run already sent is not sent again.
  v_out := outbox_append_batch(p_outbox, v_case_id, CASE WHEN v_outcome THEN NULL ELSE 'tickets.outcomes' END);
  RETURN jsonb_build_object('result', 'applied', 'outcomeAccepted', v_outcome, 'outboxIds', v_out->'ids', 'leased', (v_out->>'leased')::boolean);
END $$;
