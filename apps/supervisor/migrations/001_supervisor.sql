-- Supervisor case store (docs/supervisor.md). One row per case, keyed by the case id derived from
-- source + tenant + external id, so a duplicate ingress event finds the existing case.
CREATE SCHEMA IF NOT EXISTS supervisor;

CREATE TABLE supervisor.cases (
  case_id     text        PRIMARY KEY,
  tenant_id   text        NOT NULL,
  region      text        NOT NULL,
  source      text        NOT NULL,
  external_id text        NOT NULL,
  status      text        NOT NULL,
  mode        text        NOT NULL,
  intent      text,
  version     integer     NOT NULL,
  -- bounded core state (status, plan, counters, outstanding task…); the ticket and agent context are kept apart
  -- so they are not rewritten on every transition.
  state       jsonb       NOT NULL,
  ticket      jsonb       NOT NULL,
  context     jsonb       NOT NULL DEFAULT '{}'::jsonb,
  -- next moment the scanner must look at the case: a step deadline or a due retry
  due_at      timestamptz,
  created_at  timestamptz NOT NULL,
  updated_at  timestamptz NOT NULL
);
CREATE INDEX cases_status ON supervisor.cases (status, updated_at);
CREATE INDEX cases_due ON supervisor.cases (due_at) WHERE due_at IS NOT NULL;

CREATE TABLE supervisor.transitions (
  id          bigserial   PRIMARY KEY,
  case_id     text        NOT NULL REFERENCES supervisor.cases (case_id),
  version     integer     NOT NULL,
  from_status text        NOT NULL,
  to_status   text        NOT NULL,
  reason      text        NOT NULL,
  event       text        NOT NULL,
  message_id  text        NOT NULL,
  at          timestamptz NOT NULL
);
CREATE INDEX transitions_case ON supervisor.transitions (case_id, id);

-- One row per handled event: version 1 holds the full core, later versions only the delta (see checkpoint.ts).
CREATE TABLE supervisor.checkpoints (
  case_id     text        NOT NULL REFERENCES supervisor.cases (case_id),
  version     integer     NOT NULL,
  status      text        NOT NULL,
  event       text        NOT NULL,
  delta       jsonb       NOT NULL,
  at          timestamptz NOT NULL,
  PRIMARY KEY (case_id, version)
);

CREATE TABLE supervisor.trace (
  id            bigserial   PRIMARY KEY,
  case_id       text        NOT NULL REFERENCES supervisor.cases (case_id),
  version       integer     NOT NULL,
  kind          text        NOT NULL,
  agent         text,
  task_id       text,
  data          jsonb       NOT NULL,
  input_tokens  integer,
  output_tokens integer,
  cost_usd      numeric(12, 6),
  at            timestamptz NOT NULL
);
CREATE INDEX trace_case ON supervisor.trace (case_id, id);

-- At most one terminal outcome per case and run (a human re-run starts run 2).
CREATE TABLE supervisor.outcomes (
  case_id     text        NOT NULL REFERENCES supervisor.cases (case_id),
  run         integer     NOT NULL,
  status      text        NOT NULL,
  at          timestamptz NOT NULL,
  PRIMARY KEY (case_id, run)
);
