-- KPIs and outcome tiers from one narrow scan of supervisor.cases (issue 21; the console's KPI page, /v1/kpis and
-- /v1/outcomes). The page used to aggregate the trace and the transitions of every case in its period on each load:
-- at 136,000 cases (a week's test database) one load took 8.6 s here and ran past the 30 s statement timeout on a
-- loaded machine, and it grows with the trace. Now each case carries its own KPI facts, kept by apply_transition in
-- the UPDATE it already makes (the row is rewritten on every event anyway, so the facts cost no extra write):
--   resolved_at              the first transition into RESOLVED
--   escalated                any transition into ESCALATED
--   human_touched            any trace row of kind 'command' (a human acted on the case)
--   approvals, approval_seconds
--                            holds closed and their total wait: from entering AWAITING_APPROVAL to the next transition
--   awaiting_approval_since  the open hold's start, if the case waits for an approval now
--   tokens, cost_usd         the sums over the case's trace rows
--   reopens, undelivered     the helpdesk counters of the core state, derived by Postgres
--   tier                     the outcome tier of the core state (outcomes/outcome-tier.ts), derived by Postgres
-- The same definitions the KPI query applied to the trace and transitions before (console.repository.ts). Writes by
-- apply_event (migration 003/025, kept for a replica of the previous release during a rolling upgrade) do not keep
-- them; the backfill below runs once, over every case, inside this migration.
ALTER TABLE supervisor.cases
  ADD COLUMN resolved_at timestamptz,
  ADD COLUMN escalated boolean NOT NULL DEFAULT false,
  ADD COLUMN human_touched boolean NOT NULL DEFAULT false,
  ADD COLUMN approvals integer NOT NULL DEFAULT 0,
  ADD COLUMN approval_seconds float8 NOT NULL DEFAULT 0,
  ADD COLUMN awaiting_approval_since timestamptz,
  ADD COLUMN tokens bigint NOT NULL DEFAULT 0,
  ADD COLUMN cost_usd numeric(14, 6) NOT NULL DEFAULT 0,
  ADD COLUMN reopens integer GENERATED ALWAYS AS (COALESCE((state->'helpdesk'->>'reopens')::integer, 0)) STORED,
  ADD COLUMN undelivered integer GENERATED ALWAYS AS (COALESCE((state->'helpdesk'->>'undelivered')::integer, 0)) STORED,
  ADD COLUMN tier text GENERATED ALWAYS AS (state->>'tier') STORED;

WITH usage AS (
  SELECT case_id, SUM(COALESCE(input_tokens, 0) + COALESCE(output_tokens, 0))::bigint AS tokens, SUM(COALESCE(cost_usd, 0)) AS cost,
         bool_or(kind = 'command') AS human
    FROM supervisor.trace GROUP BY case_id
), moves AS (
  SELECT case_id,
         MIN(at) FILTER (WHERE to_status = 'RESOLVED') AS resolved_at,
         bool_or(to_status = 'ESCALATED') AS escalated,
         count(*) FILTER (WHERE to_status = 'AWAITING_APPROVAL' AND next_at IS NOT NULL)::integer AS approvals,
         COALESCE(SUM(EXTRACT(EPOCH FROM (next_at - at))) FILTER (WHERE to_status = 'AWAITING_APPROVAL' AND next_at IS NOT NULL), 0)::float8 AS approval_seconds,
         MAX(at) FILTER (WHERE to_status = 'AWAITING_APPROVAL' AND next_at IS NULL) AS awaiting_since
    FROM (SELECT case_id, to_status, at, LEAD(at) OVER (PARTITION BY case_id ORDER BY id) AS next_at FROM supervisor.transitions) x
   GROUP BY case_id
)
UPDATE supervisor.cases c
   SET tokens = COALESCE(u.tokens, 0), cost_usd = COALESCE(u.cost, 0), human_touched = COALESCE(u.human, false),
       resolved_at = m.resolved_at, escalated = COALESCE(m.escalated, false), approvals = COALESCE(m.approvals, 0),
       approval_seconds = COALESCE(m.approval_seconds, 0), awaiting_approval_since = m.awaiting_since
  FROM supervisor.cases k LEFT JOIN usage u USING (case_id) LEFT JOIN moves m USING (case_id)
 WHERE c.case_id = k.case_id AND (u.case_id IS NOT NULL OR m.case_id IS NOT NULL);

-- apply_transition as in migration 026, plus the facts above in its UPDATE of the case.
CREATE OR REPLACE FUNCTION supervisor.apply_transition(p_write jsonb, p_outbox jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  v_case_id text := p_write->>'caseId';
  v_version integer := (p_write->>'version')::integer;
  v_event text := p_write->'event'->>'kind';
  v_event_id text := p_write->'event'->>'messageId';
  v_change jsonb := p_write->'change';
  v_at timestamptz;
  v_outcome boolean := true;
  v_out jsonb;
  -- this event's share of the case's KPI facts (migration 027)
  v_moves integer;
  v_awaits integer;
  v_last_to text;
  v_resolved boolean;
  v_escalated boolean;
  v_tokens bigint;
  v_cost numeric;
  v_human boolean;
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
    IF (v_change->>'create')::boolean THEN
      INSERT INTO supervisor.cases (case_id, tenant_id, region, source, external_id, status, mode, version, state, ticket, created_at, updated_at)
      VALUES (v_case_id, v_change->'ticket'->>'tenantId', v_change->'ticket'->>'region', v_change->'ticket'->>'source',
              v_change->'ticket'->>'externalId', v_change->>'status', v_change->>'mode', 0, v_change->'state', v_change->'ticket', v_at, v_at)
      ON CONFLICT (case_id) DO NOTHING;
      IF NOT FOUND THEN
        RAISE EXCEPTION 'case % already exists', v_case_id USING ERRCODE = 'SBEXI';
      END IF;
    END IF;

    SELECT count(*)::integer, count(*) FILTER (WHERE x.v->>'to' = 'AWAITING_APPROVAL')::integer, (array_agg(x.v->>'to' ORDER BY x.n DESC))[1],
           COALESCE(bool_or(x.v->>'to' = 'RESOLVED'), false), COALESCE(bool_or(x.v->>'to' = 'ESCALATED'), false)
      INTO v_moves, v_awaits, v_last_to, v_resolved, v_escalated
      FROM jsonb_array_elements(COALESCE(v_change->'transitions', '[]'::jsonb)) WITH ORDINALITY AS x(v, n);
    SELECT COALESCE(SUM(COALESCE((t->>'inputTokens')::integer, 0) + COALESCE((t->>'outputTokens')::integer, 0)), 0),
           COALESCE(SUM((t->>'costUsd')::numeric), 0), COALESCE(bool_or(t->>'kind' = 'command'), false)
      INTO v_tokens, v_cost, v_human
      FROM jsonb_array_elements(COALESCE(v_change->'trace', '[]'::jsonb)) AS t;

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

    INSERT INTO supervisor.transitions (case_id, version, from_status, to_status, reason, event, message_id, at)
    SELECT v_case_id, v_version, x.v->>'from', x.v->>'to', x.v->>'reason', v_event, v_event_id, v_at
      FROM jsonb_array_elements(COALESCE(v_change->'transitions', '[]'::jsonb)) WITH ORDINALITY AS x(v, n) ORDER BY x.n;

    INSERT INTO supervisor.checkpoints (case_id, version, status, event, delta, at)
    VALUES (v_case_id, v_version, v_change->>'status', v_event, v_change->'delta', v_at);

    INSERT INTO supervisor.trace (case_id, version, kind, agent, task_id, data, input_tokens, output_tokens, cost_usd, at)
    SELECT v_case_id, v_version, x.v->>'kind', x.v->>'agent', x.v->>'taskId', x.v->'data', (x.v->>'inputTokens')::int,
           (x.v->>'outputTokens')::int, (x.v->>'costUsd')::numeric, v_at
      FROM jsonb_array_elements(COALESCE(v_change->'trace', '[]'::jsonb)) WITH ORDINALITY AS x(v, n) ORDER BY x.n;

    INSERT INTO supervisor.control_verdicts (case_id, case_version, at, source, control, rule, rule_version, verdict, agent, task_id, detail)
    SELECT v_case_id, v_version, v_at, x.v->>'source', x.v->>'control', x.v->>'rule', x.v->>'ruleVersion', x.v->>'verdict',
           x.v->>'agent', x.v->>'taskId', x.v->>'detail'
      FROM jsonb_array_elements(COALESCE(v_change->'verdicts', '[]'::jsonb)) WITH ORDINALITY AS x(v, n) ORDER BY x.n;

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
