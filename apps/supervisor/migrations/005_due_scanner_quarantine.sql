-- Due scanner without head-of-line blocking (CaseService.tickDue): a case whose tick throws is not retried at once
-- (the scanner takes the oldest due case, so one failing case would stop every timeout and retry behind it). Its
-- failures are counted, its due time backs off, and after SUPERVISOR_DUE_MAX_FAILURES it is quarantined: the scanner
-- skips it until an operator releases it (GET /v1/due-quarantine, POST /v1/due-quarantine/{caseId}/release).
ALTER TABLE supervisor.cases
  ADD COLUMN due_failures   integer     NOT NULL DEFAULT 0,
  ADD COLUMN due_error      text,
  ADD COLUMN quarantined_at timestamptz;

-- The scanner's query: due and not quarantined, oldest first.
DROP INDEX supervisor.cases_due;
CREATE INDEX cases_due ON supervisor.cases (due_at) WHERE due_at IS NOT NULL AND quarantined_at IS NULL;
CREATE INDEX cases_quarantined ON supervisor.cases (quarantined_at) WHERE quarantined_at IS NOT NULL;
