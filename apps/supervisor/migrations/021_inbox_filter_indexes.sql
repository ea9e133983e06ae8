-- The inbox's two most used filters, tenant and assignee (`assignee=me`), in queue order like cases_inbox (migration
-- 020), so a filtered page is read from an index instead of sorting the tenant's or the user's whole queue. Partial on
-- the queue as well: cases in flight never touch them.
CREATE INDEX cases_inbox_tenant ON supervisor.cases (tenant_id, urgency DESC, updated_at DESC, case_id DESC)
  WHERE status IN ('ESCALATED', 'AWAITING_APPROVAL', 'FAILED');
CREATE INDEX cases_inbox_assignee ON supervisor.cases (assignee, urgency DESC, updated_at DESC, case_id DESC)
  WHERE status IN ('ESCALATED', 'AWAITING_APPROVAL', 'FAILED');
