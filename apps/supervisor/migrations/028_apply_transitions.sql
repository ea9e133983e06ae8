-- Group commit (issue 21): several cases' events in one statement and one commit. p_items is a JSON array of
-- {"w": p_write, "o": p_outbox}, each exactly as supervisor.apply_transition (migrations 026/027) takes them; the
-- result is an array in the same order, each element either apply_transition's result or
-- {"error": {"code": SQLSTATE, "message": ...}} for an item that failed. Each item runs in its own subtransaction, so
-- a failed item (a version conflict, a case that exists, anything else) leaves nothing behind and does not fail the
-- others. The caller keeps batches well under 64 items: past that, Postgres spills subtransaction ids out of shared
-- memory.
CREATE FUNCTION supervisor.apply_transitions(p_items jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  v_item jsonb;
  v_results jsonb := '[]'::jsonb;
  v_result jsonb;
BEGIN
  FOR v_item IN SELECT value FROM jsonb_array_elements(p_items) WITH ORDINALITY AS x(value, n) ORDER BY n LOOP
    BEGIN
      v_result := supervisor.apply_transition(v_item->'w', v_item->'o');
    EXCEPTION WHEN OTHERS THEN
      v_result := jsonb_build_object('error', jsonb_build_object('code', SQLSTATE, 'message', SQLERRM));
    END;
    v_results := v_results || jsonb_build_array(v_result);
  END LOOP;
  RETURN v_results;
END $$;
