-- Supervisor console (docs/console.md): who decided what, and feedback on agent steps and outcomes.

-- Append-only audit of every human (or API-key) command; written in the same transaction as the outbox row that
-- carries the command to supervisor.commands, so a decision is recorded if and only if it is sent.
CREATE TABLE supervisor.decisions (
  id          bigserial   PRIMARY KEY,
  case_id     text        NOT NULL REFERENCES supervisor.cases (case_id),
  actor_id    text        NOT NULL,
  actor_role  text        NOT NULL,
  via         text        NOT NULL,
  command     text        NOT NULL,
  arguments   jsonb       NOT NULL,
  message_id  text        NOT NULL UNIQUE,
  at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX decisions_case ON supervisor.decisions (case_id, id);

CREATE FUNCTION supervisor.decisions_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'supervisor.decisions is append-only';
END $$;
CREATE TRIGGER decisions_append_only BEFORE UPDATE OR DELETE ON supervisor.decisions
  FOR EACH ROW EXECUTE FUNCTION supervisor.decisions_append_only();
CREATE TRIGGER decisions_no_truncate BEFORE TRUNCATE ON supervisor.decisions
  FOR EACH STATEMENT EXECUTE FUNCTION supervisor.decisions_append_only();

CREATE TABLE supervisor.feedback (
  id          bigserial   PRIMARY KEY,
  case_id     text        NOT NULL REFERENCES supervisor.cases (case_id),
  -- step: a trace row (ref = its id); outcome: the case outcome (ref = run); note: a shadow/assist draft or note
  target_kind text        NOT NULL CHECK (target_kind IN ('step', 'outcome', 'note')),
  target_ref  text,
  rating      text        NOT NULL CHECK (rating IN ('up', 'down')),
  comment     text        NOT NULL DEFAULT '',
  -- what the step was (agent, kind, intent, mode) at the time, so an export needs no join to tune prompts by
  subject     jsonb       NOT NULL DEFAULT '{}'::jsonb,
  actor_id    text        NOT NULL,
  actor_role  text        NOT NULL,
  at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX feedback_at ON supervisor.feedback (at);
CREATE INDEX feedback_case ON supervisor.feedback (case_id, id);

CREATE INDEX cases_created ON supervisor.cases (created_at);
