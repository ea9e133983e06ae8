-- Automatic demotion of a tenant + intent from autonomous to assist (apps/supervisor/src/rollout): set by the
-- supervisor when verification failures or reopens in a window pass the policy's thresholds, lifted only by a human
-- (POST /v1/rollout/demotions/restore). Each demotion and restore is also a row of the append-only decisions log.
CREATE TABLE supervisor.demotions (
  id          bigserial   PRIMARY KEY,
  tenant_id   text        NOT NULL,
  intent      text        NOT NULL,
  reason      text        NOT NULL,
  counts      jsonb       NOT NULL,
  -- the case whose event passed the threshold (the decision log row points at it)
  case_id     text        NOT NULL REFERENCES supervisor.cases (case_id),
  demoted_at  timestamptz NOT NULL DEFAULT now(),
  restored_at timestamptz,
  restored_by text
);
-- At most one active demotion per tenant + intent: concurrent checks cannot demote twice.
CREATE UNIQUE INDEX demotions_active ON supervisor.demotions (tenant_id, intent) WHERE restored_at IS NULL;
CREATE INDEX demotions_restored ON supervisor.demotions (tenant_id, intent, restored_at DESC) WHERE restored_at IS NOT NULL;
