-- A row the relay cannot publish (too large for the broker, a topic that does not exist, …) must not hold up the rows
-- behind it: it backs off on its own (attempts, next_attempt_at) and after OutboxRelay's limit is quarantined with the
-- reason (last_error, quarantined_at) for an operator, while every other key flows (npm run outbox -- list | requeue).
ALTER TABLE outbox
  ADD COLUMN attempts        int NOT NULL DEFAULT 0,
  ADD COLUMN last_error      text,
  ADD COLUMN next_attempt_at timestamptz,
  ADD COLUMN quarantined_at  timestamptz;
CREATE INDEX outbox_quarantined ON outbox (id) WHERE quarantined_at IS NOT NULL;
