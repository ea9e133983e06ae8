-- Direct publishing (OutboxLeasePublisher): the writer of an outbox row may publish it itself right after its commit.
-- Such rows carry a lease; the relay leaves a leased row alone until the lease has expired (the writer crashed or
-- could not publish), so a row is published by its writer or by a relay, not raced by both.
ALTER TABLE outbox ADD COLUMN lease_until timestamptz, ADD COLUMN lease_owner text;

-- Relays are only woken for rows they may take now; leased rows are the writer's. (Postgres folds identical
-- notifications of one transaction into one, so a per-row trigger still wakes a relay once per commit.)
DROP TRIGGER outbox_notify ON outbox;
CREATE TRIGGER outbox_notify AFTER INSERT ON outbox FOR EACH ROW WHEN (NEW.lease_until IS NULL) EXECUTE FUNCTION outbox_notify();
