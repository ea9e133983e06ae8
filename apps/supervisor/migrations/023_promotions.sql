-- Promotion with evidence (apps/supervisor/src/rollout/promotion.ts): a supervisor raises a tenant + intent's mode
-- (shadow → assist → autonomous) by command once its evidence passes the policy's `promotion` thresholds: rated
-- shadow/assist cases, verification failures, procedure simulations. The evidence is stored with the promotion; each
-- promotion and revocation is also a row of the append-only decisions log. An automatic demotion still applies on top.
CREATE TABLE supervisor.promotions (
  id          bigserial   PRIMARY KEY,
  tenant_id   text        NOT NULL,
  intent      text        NOT NULL,
  mode        text        NOT NULL CHECK (mode IN ('assist', 'autonomous')),
  evidence    jsonb       NOT NULL,
  -- the most recent case of the pair the evidence came from (the decision log row points at it)
  case_id     text        NOT NULL REFERENCES supervisor.cases (case_id),
  promoted_by text        NOT NULL,
  promoted_at timestamptz NOT NULL DEFAULT now(),
  revoked_at  timestamptz,
  revoked_by  text
);
CREATE UNIQUE INDEX promotions_active ON supervisor.promotions (tenant_id, intent) WHERE revoked_at IS NULL;
CREATE INDEX feedback_case_kind ON supervisor.feedback (case_id) WHERE target_kind IN ('note', 'outcome');
CREATE INDEX cases_tenant_intent ON supervisor.cases (tenant_id, intent, created_at DESC);
