-- Per-tenant admission (apps/supervisor/src/admission): a tenant may have at most SUPERVISOR_TENANT_MAX_ACTIVE cases
-- in the agents' hands at once; its further tickets wait here, durably and in arrival order, instead of in the agents'
-- Kafka queues ahead of every other tenant's tickets. One row per case; the envelope is the admitted ticket (region
-- from the tenant registry, credentials already redacted), so nothing unredacted is ever stored.
CREATE TABLE supervisor.admission_queue (
  seq         bigserial   PRIMARY KEY,
  case_id     text        NOT NULL UNIQUE,
  tenant_id   text        NOT NULL,
  envelope    jsonb       NOT NULL,
  enqueued_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX admission_queue_tenant ON supervisor.admission_queue (tenant_id, seq);

-- A tenant's cases in the agents' hands, counted (up to the cap) at every ticket of a tenant with a cap.
CREATE INDEX cases_active_by_tenant ON supervisor.cases (tenant_id)
  WHERE status IN ('RECEIVED', 'TRIAGED', 'CONTEXT_READY', 'RESOLVING', 'VERIFYING');
