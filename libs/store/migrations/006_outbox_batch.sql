-- The outbox part of a single-statement writer's argument as one structured value: {"rows": [{"topic", "key",
-- "value" (the serialised message, text), "headers" (object)}, ...], "lease": {"owner", "ms"} | null}, as built by
-- Outbox.batch. It unpacks into outbox_append (migration 005), which stays the one definition of the insert and its
-- lease rule; writers pass one value instead of six positional columns.
CREATE OR REPLACE FUNCTION outbox_append_batch(p_batch jsonb, p_lease_key text DEFAULT NULL, p_skip_topic text DEFAULT NULL)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  v_topics text[];
  v_keys text[];
  v_values text[];
  v_headers jsonb[];
BEGIN
  SELECT array_agg(x.r->>'topic' ORDER BY x.n), array_agg(x.r->>'key' ORDER BY x.n),
         array_agg(x.r->>'value' ORDER BY x.n), array_agg(COALESCE(x.r->'headers', '{}'::jsonb) ORDER BY x.n)
    INTO v_topics, v_keys, v_values, v_headers
    FROM jsonb_array_elements(COALESCE(p_batch->'rows', '[]'::jsonb)) WITH ORDINALITY AS x(r, n);
  RETURN outbox_append(v_topics, v_keys, v_values, v_headers,
                       p_batch->'lease'->>'owner', (p_batch->'lease'->>'ms')::integer, p_lease_key, p_skip_topic);
END $$;
