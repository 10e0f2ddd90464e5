UPDATE import_jobs SET status = 'failed', finished_at = COALESCE(finished_at, now()) WHERE status = 'waiting';
ALTER TABLE import_jobs
    DROP CONSTRAINT import_jobs_status_check,
    ADD CONSTRAINT import_jobs_status_check
        CHECK (status IN ('validating', 'importing', 'done', 'invalid', 'failed')),
    ALTER COLUMN status SET DEFAULT 'validating';
