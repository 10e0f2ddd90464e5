ALTER TABLE import_jobs DROP COLUMN form_key;
