-- Helpdesk connector (docs/helpdesk.md): the tickets it knows (from tickets.ingress, for inbound signals) and one row
-- per delivery (case + run + kind), whose request is kept so the console can re-send it.
CREATE SCHEMA IF NOT EXISTS helpdesk;

CREATE TABLE helpdesk.tickets (
  case_id            text        PRIMARY KEY,
  source             text        NOT NULL,
  external_id        text        NOT NULL,
  tenant_id          text        NOT NULL,
  region             text        NOT NULL,
  correlation_id     text        NOT NULL,
  -- the ticket's id in the helpdesk once a delivery resolved it (a Zendesk id for tickets synced from elsewhere)
  helpdesk_ticket_id text,
  received_at        timestamptz NOT NULL,
  created_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tickets_source_external ON helpdesk.tickets (source, external_id);
CREATE INDEX tickets_helpdesk_ticket ON helpdesk.tickets (helpdesk_ticket_id) WHERE helpdesk_ticket_id IS NOT NULL;

CREATE TABLE helpdesk.deliveries (
  delivery_id        text        PRIMARY KEY,
  case_id            text        NOT NULL,
  kind               text        NOT NULL CHECK (kind IN ('reply', 'note', 'escalation')),
  run                integer     NOT NULL,
  target             text        NOT NULL,
  -- pending: an attempt started (and may have reached the helpdesk); delivered / failed: the outcome was reported
  status             text        NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
  -- attempts started, counted before each one goes out (so they survive a crash mid-call)
  attempts           integer     NOT NULL DEFAULT 0,
  request            jsonb       NOT NULL,
  -- envelope metadata of the case, for the status messages
  meta               jsonb       NOT NULL,
  helpdesk_ticket_id text,
  ticket_url         text,
  recovered          boolean     NOT NULL DEFAULT false,
  reason             jsonb,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX deliveries_case ON helpdesk.deliveries (case_id);
