-- Cross-case control-verdict queries (GET /v1/verdicts?since=): the audit rows that are verdicts — every call not
-- simply allowed, and allowed calls that failed a check after the backend — by time. Small: most calls are allowed.
CREATE INDEX IF NOT EXISTS audit_log_verdicts_at_idx ON gateway.audit_log (at, id)
  WHERE decision <> 'allowed' OR error_code IS NOT NULL;
