-- The processed-message claim and the outbox insert, once, owned by libs/store: ProcessedLedger and Outbox.add call
-- them, and so does any service's single-statement writer (the supervisor's apply_event, migration 025), so a change
-- to the outbox or the ledger is made here and nowhere else.

-- Claims (consumer, message id) in the caller's transaction: true the first time, false for a message already
-- processed. A concurrent second delivery waits on the first one's row and then gets false.
CREATE OR REPLACE FUNCTION claim_message(p_consumer text, p_message_id text) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO processed_messages (consumer, message_id) VALUES (p_consumer, p_message_id) ON CONFLICT DO NOTHING;
  RETURN FOUND;
END $$;

-- Appends rows to the outbox in the given order and returns {"ids": [...], "leased": bool}.
-- p_lease_owner: the rows are left to that direct publisher for p_lease_ms (OutboxLeasePublisher), unless
-- p_lease_key is given and an earlier row of that key is still waiting for someone else (order per key: then the
-- relay publishes them all). p_skip_topic: rows of that topic are not written (a writer's "already sent" guard).
CREATE OR REPLACE FUNCTION outbox_append(
  p_topics text[], p_keys text[], p_values text[], p_headers jsonb[],
  p_lease_owner text, p_lease_ms integer, p_lease_key text DEFAULT NULL, p_skip_topic text DEFAULT NULL
) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  v_leased boolean := p_lease_owner IS NOT NULL;
  v_ids bigint[];
BEGIN
  IF cardinality(p_topics) IS NULL OR cardinality(p_topics) = 0 THEN
    RETURN jsonb_build_object('ids', '[]'::jsonb, 'leased', false);
  END IF;
  IF v_leased AND p_lease_key IS NOT NULL THEN
    v_leased := NOT EXISTS (SELECT 1 FROM outbox WHERE key = p_lease_key AND sent_at IS NULL AND lease_owner IS DISTINCT FROM p_lease_owner);
  END IF;
  WITH ins AS (
    INSERT INTO outbox (topic, key, value, headers, lease_until, lease_owner)
    SELECT m.t, m.k, m.v, m.h,
           CASE WHEN v_leased THEN clock_timestamp() + p_lease_ms * interval '1 millisecond' END,
           CASE WHEN v_leased THEN p_lease_owner END
      FROM unnest(p_topics, p_keys, p_values, p_headers) WITH ORDINALITY AS m(t, k, v, h, n)
     WHERE p_skip_topic IS NULL OR m.t <> p_skip_topic
     ORDER BY m.n
    RETURNING id
  )
  SELECT array_agg(id ORDER BY id) INTO v_ids FROM ins;
  RETURN jsonb_build_object('ids', COALESCE(to_jsonb(v_ids), '[]'::jsonb), 'leased', v_leased AND v_ids IS NOT NULL);
END $$;
