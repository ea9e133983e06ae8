-- Every procedure version the supervisor has loaded: the record a resolution's {id, version} points to (readable in
-- the console and the API), and the guard against a procedure changed without a version bump.
CREATE TABLE IF NOT EXISTS supervisor.procedures (
  id              text        NOT NULL,
  version         integer     NOT NULL,
  intent          text        NOT NULL,
  digest          text        NOT NULL,
  spec            jsonb       NOT NULL,
  first_loaded_at timestamptz NOT NULL DEFAULT now(),
  last_loaded_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (id, version)
);
