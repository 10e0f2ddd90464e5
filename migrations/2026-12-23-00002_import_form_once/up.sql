-- The import form carries a one-time key too: the same file sent twice (a double click on
-- "Check and import", Back and send) is imported once; the second sending is led to the first
-- one's job. A file without a No. column would otherwise make every contact twice.
ALTER TABLE import_jobs ADD COLUMN form_key TEXT
    CHECK (form_key IS NULL OR form_key ~ '^[0-9a-f]{32}$');
CREATE UNIQUE INDEX import_jobs_form_key ON import_jobs (form_key) WHERE form_key IS NOT NULL;
