-- The four tables that supervisor.apply_event appends to on every transition lose their foreign keys to cases: each
-- of their rows is written by that one function in the statement that has just inserted or version-updated the case
-- row itself, so the reference cannot dangle, and the per-row RI trigger (a locking lookup of the case row, ~18 per
-- case) was a measurable share of the database's CPU per case (test/bench/throughput.bench.ts). Cases are never
-- deleted. Decisions and feedback, written from the console API with ids from outside, keep theirs.
ALTER TABLE supervisor.transitions DROP CONSTRAINT transitions_case_id_fkey;
ALTER TABLE supervisor.checkpoints DROP CONSTRAINT checkpoints_case_id_fkey;
ALTER TABLE supervisor.trace DROP CONSTRAINT trace_case_id_fkey;
ALTER TABLE supervisor.outcomes DROP CONSTRAINT outcomes_case_id_fkey;
