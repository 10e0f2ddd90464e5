-- An import waits while another import of the same instance runs: its own status.
ALTER TABLE import_jobs
    DROP CONSTRAINT import_jobs_status_check,
    ADD CONSTRAINT import_jobs_status_check
        CHECK (status IN ('waiting', 'validating', 'importing', 'done', 'invalid', 'failed')),
    ALTER COLUMN status SET DEFAULT 'waiting';
