-- Processed-message ledger: one row per (consumer, message id) whose effects committed. The row is inserted in the
-- same transaction as the effects, so a redelivered message finds it and is skipped.
CREATE TABLE processed_messages (
  consumer     text        NOT NULL,
  message_id   text        NOT NULL,
  processed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer, message_id)
);
CREATE INDEX processed_messages_processed_at ON processed_messages (processed_at);
