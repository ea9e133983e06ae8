-- One written event as two structured arguments instead of apply_event's 26 positional ones (issue 18):
--   p_write  — the case's part, built by CaseRepository's transitionWrite():
--              {"ledger": {"consumer", "messageId"}?, "caseId", "version" (the version this event makes),
--               "event": {"kind", "messageId"},
--               "change": {"create", "status", "mode", "intent", "state", "ticket"?, "context"?, "dueAt", "at",
--                          "transitions": [{"from", "to", "reason"}], "delta", "trace": [{"kind", "agent", "taskId",
--                          "data", "inputTokens", "outputTokens", "costUsd"}], "outcome": {"run", "status"}?,
--                          "verdicts": [{"source", "control", "rule", "ruleVersion", "verdict", "agent", "taskId",
--                                        "detail"}]}?}
--              ("change" absent: the event changed nothing, only the ledger row is written if the state it was
--              decided on is still current);
--   p_outbox — libs/store's OutboxBatch, handed to outbox_append_batch (store migration 006).
-- Same effects and result as apply_event (migrations 003/025), which stays for a replica of the previous release
-- during a rolling upgrade (its transitions then add nothing to the ledger below); a later migration drops it.
--
-- And the control-verdict ledger (issue 19): every guardrail verdict a transition records (breakers, report-only
-- breakers, rollout-mode violations, triage's injection screen and redaction, the verifier's read-back; see
-- case/case-verdicts.ts), appended in the same statement with the version of the rule that decided it. Append-only:
-- rows are never changed, except that erasing a case may blank their free-text detail; trace retention does not
-- touch them, so the ledger outlives the trace it was written with.
CREATE TABLE supervisor.control_verdicts (
  id           bigserial   PRIMARY KEY,
  case_id      text        NOT NULL,
  case_version integer     NOT NULL,
  at           timestamptz NOT NULL,
  source       text        NOT NULL,
  control      text        NOT NULL,
  rule         text        NOT NULL,
  rule_version text        NOT NULL,
  verdict      text        NOT NULL,
  agent        text,
  task_id      text,
  detail       text
);
CREATE INDEX control_verdicts_case ON supervisor.control_verdicts (case_id, id);
CREATE INDEX control_verdicts_at ON supervisor.control_verdicts (at);

CREATE FUNCTION supervisor.control_verdicts_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    IF NEW.detail IS NULL
       AND (NEW.id, NEW.case_id, NEW.case_version, NEW.at, NEW.source, NEW.control, NEW.rule, NEW.rule_version, NEW.verdict, NEW.agent, NEW.task_id)
           IS NOT DISTINCT FROM (OLD.id, OLD.case_id, OLD.case_version, OLD.at, OLD.source, OLD.control, OLD.rule, OLD.rule_version, OLD.verdict, OLD.agent, OLD.task_id) THEN
      RETURN NEW; -- erasure: only the free text goes
    END IF;
  END IF;
  RAISE EXCEPTION 'supervisor.control_verdicts is append-only (% refused)', TG_OP USING ERRCODE = 'SBAPP';
END $$;
CREATE TRIGGER control_verdicts_append_only BEFORE UPDATE OR DELETE ON supervisor.control_verdicts
  FOR EACH ROW EXECUTE FUNCTION supervisor.control_verdicts_append_only();
CREATE TRIGGER control_verdicts_no_truncate BEFORE TRUNCATE ON supervisor.control_verdicts
  FOR EACH STATEMENT EXECUTE FUNCTION supervisor.control_verdicts_append_only();

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

    UPDATE supervisor.cases SET status = v_change->>'status', mode = v_change->>'mode', intent = v_change->>'intent', version = v_version,
           state = v_change->'state', context = COALESCE(v_change->'context', context), due_at = (v_change->>'dueAt')::timestamptz, updated_at = v_at
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
