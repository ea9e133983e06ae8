-- Embedded vector store (PgVectorStore): points of every collection in one table. Vectors are float4[] scored in
-- SQL (no pgvector on Debian's Postgres); keyword search uses a generated English tsvector with a GIN index.
CREATE TABLE memory_collections (
  name        text PRIMARY KEY,
  dimension   int NOT NULL CHECK (dimension > 0),
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE memory_points (
  collection  text NOT NULL REFERENCES memory_collections (name) ON DELETE CASCADE,
  id          uuid NOT NULL,
  document_id text NOT NULL,
  tenant_id   text NOT NULL,
  doc_type    text NOT NULL,
  product     text,
  language    text,
  text        text NOT NULL,
  payload     jsonb NOT NULL,
  embedding   float4[] NOT NULL,
  norm        float4 NOT NULL,
  tsv         tsvector GENERATED ALWAYS AS (to_tsvector('english', text)) STORED,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (collection, id)
);

CREATE INDEX memory_points_scope ON memory_points (collection, tenant_id, document_id);
CREATE INDEX memory_points_tsv ON memory_points USING gin (tsv);
