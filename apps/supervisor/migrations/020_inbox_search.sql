-- The console inbox at 10,000 open cases (docs/console.md "Inbox"): keyset paging in queue order, assignment, and
-- full-text search.

-- Queue order is urgency (triage's priority, else the ticket's), then most recently changed, then the case id as a
-- tie-break, all descending, so a page cursor is one row comparison. Both columns are derived by Postgres, never
-- written by the application; the assignee is the core state's (claim / release / reassign / take over).
ALTER TABLE supervisor.cases
  ADD COLUMN urgency smallint GENERATED ALWAYS AS (
    CASE COALESCE(context->'triage'->>'priority', ticket->>'priority', 'normal')
      WHEN 'urgent' THEN 3 WHEN 'high' THEN 2 WHEN 'normal' THEN 1 ELSE 0 END) STORED,
  ADD COLUMN assignee text GENERATED ALWAYS AS (state->>'assignee') STORED;

-- Only cases waiting for a human are in this index, so the hot path's updates of cases in flight do not touch it.
CREATE INDEX cases_inbox ON supervisor.cases (urgency DESC, updated_at DESC, case_id DESC)
  WHERE status IN ('ESCALATED', 'AWAITING_APPROVAL', 'FAILED');

-- The search document lives in its own table: a GIN index on supervisor.cases would take a new entry per word of the
-- ticket on every transition (no update of a case is HOT: status and updated_at are indexed). The triggers below
-- rewrite a case's document only when the text it is made of changes — on creation, erasure, and when the
-- escalation, held tool, tried tools or assignee change — a few times per case, not per transition.
CREATE TABLE supervisor.case_search (
  case_id text     PRIMARY KEY REFERENCES supervisor.cases (case_id) ON DELETE CASCADE,
  doc     tsvector NOT NULL
);
CREATE INDEX case_search_doc ON supervisor.case_search USING gin (doc);

-- 'simple': tickets come in many languages, so no stemming and no stop words. The requester's address is also split
-- at the @, so the local part and the domain are found on their own.
CREATE FUNCTION supervisor.case_search_doc(c supervisor.cases) RETURNS tsvector LANGUAGE sql IMMUTABLE AS $$
  SELECT to_tsvector('simple'::regconfig,
    c.case_id || ' ' || c.external_id || ' ' || c.tenant_id || ' ' ||
    COALESCE(c.ticket->'requester'->>'email', '') || ' ' || replace(COALESCE(c.ticket->'requester'->>'email', ''), '@', ' ') || ' ' ||
    COALESCE(c.ticket->'requester'->>'name', '') || ' ' ||
    COALESCE(c.state->'approval'->>'tool', '') || ' ' || COALESCE(jsonb_path_query_array(c.state, '$.tried[*].tool')::text, '') || ' ' ||
    COALESCE(c.state->'escalation'->>'breaker', '') || ' ' || COALESCE(c.state->'escalation'->>'reason', '') || ' ' ||
    COALESCE(c.state->>'assignee', '') || ' ' ||
    COALESCE(c.ticket->>'subject', '') || ' ' || COALESCE(c.ticket->>'body', ''))
$$;

CREATE FUNCTION supervisor.case_search_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO supervisor.case_search (case_id, doc) VALUES (NEW.case_id, supervisor.case_search_doc(NEW))
    ON CONFLICT (case_id) DO UPDATE SET doc = EXCLUDED.doc;
  RETURN NULL;
END $$;

CREATE TRIGGER case_search_insert AFTER INSERT ON supervisor.cases
  FOR EACH ROW EXECUTE FUNCTION supervisor.case_search_sync();
-- apply_event never sets `ticket`; erasure does.
CREATE TRIGGER case_search_ticket AFTER UPDATE OF ticket ON supervisor.cases
  FOR EACH ROW EXECUTE FUNCTION supervisor.case_search_sync();
CREATE TRIGGER case_search_state AFTER UPDATE OF state ON supervisor.cases
  FOR EACH ROW WHEN (
    OLD.state->'escalation' IS DISTINCT FROM NEW.state->'escalation'
    OR OLD.state->'approval'->'tool' IS DISTINCT FROM NEW.state->'approval'->'tool'
    OR OLD.state->'tried' IS DISTINCT FROM NEW.state->'tried'
    OR OLD.state->'assignee' IS DISTINCT FROM NEW.state->'assignee')
  EXECUTE FUNCTION supervisor.case_search_sync();

INSERT INTO supervisor.case_search (case_id, doc) SELECT c.case_id, supervisor.case_search_doc(c) FROM supervisor.cases c;

-- Saved inbox views: a name and the query string of the inbox's filters, per console user.
CREATE TABLE supervisor.saved_views (
  owner      text        NOT NULL,
  name       text        NOT NULL,
  query      jsonb       NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (owner, name)
);
