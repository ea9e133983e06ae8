-- A revision per collection, moved by every change to its points: PgVectorStore keeps a collection's embeddings in
-- process for dense scoring (scoring 384 float4 pairs per row in SQL costs about 0.1 ms of Postgres CPU per row, per
-- search) and reloads them when the revision it read with a search is not the one it loaded. The triggers are
-- statement-level with transition tables: one UPDATE of memory_collections per statement and collection, whatever
-- the number of points. A writer holds its collection row's lock until it commits, so a revision is seen only with
-- every change it counts.
ALTER TABLE memory_collections ADD COLUMN revision bigint NOT NULL DEFAULT 0;

CREATE FUNCTION memory_bump_revision() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    UPDATE memory_collections SET revision = revision + 1;
  ELSIF TG_OP = 'DELETE' THEN
    UPDATE memory_collections SET revision = revision + 1 WHERE name IN (SELECT DISTINCT collection FROM old_points);
  ELSE
    UPDATE memory_collections SET revision = revision + 1 WHERE name IN (SELECT DISTINCT collection FROM new_points);
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER memory_points_revision_insert AFTER INSERT ON memory_points
  REFERENCING NEW TABLE AS new_points FOR EACH STATEMENT EXECUTE FUNCTION memory_bump_revision();
CREATE TRIGGER memory_points_revision_update AFTER UPDATE ON memory_points
  REFERENCING NEW TABLE AS new_points FOR EACH STATEMENT EXECUTE FUNCTION memory_bump_revision();
CREATE TRIGGER memory_points_revision_delete AFTER DELETE ON memory_points
  REFERENCING OLD TABLE AS old_points FOR EACH STATEMENT EXECUTE FUNCTION memory_bump_revision();
CREATE TRIGGER memory_points_revision_truncate AFTER TRUNCATE ON memory_points
  FOR EACH STATEMENT EXECUTE FUNCTION memory_bump_revision();
