-- Transactional outbox: messages written in the same transaction as the state change that caused them, published
-- by OutboxRelay in id order and marked sent after Kafka acknowledged them.
CREATE TABLE outbox (
  id         bigserial   PRIMARY KEY,
  topic      text        NOT NULL,
  key        text        NOT NULL,
  value      text        NOT NULL,
  headers    jsonb       NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  sent_at    timestamptz
);
CREATE INDEX outbox_unsent ON outbox (id) WHERE sent_at IS NULL;
CREATE INDEX outbox_unsent_by_key ON outbox (key, id) WHERE sent_at IS NULL;
CREATE INDEX outbox_sent_at ON outbox (sent_at) WHERE sent_at IS NOT NULL;

-- Wakes relays at commit time (notifications are delivered on commit, one per transaction and channel).
CREATE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('switchboard_outbox', '');
  RETURN NULL;
END $$;
CREATE TRIGGER outbox_notify AFTER INSERT ON outbox FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify();
