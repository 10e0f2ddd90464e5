ALTER TABLE import_jobs DROP COLUMN updated_count;
