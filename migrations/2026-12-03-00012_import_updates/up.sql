-- An import may update the contacts whose No. is already in Rapport: how many it updated.
ALTER TABLE import_jobs ADD COLUMN updated_count BIGINT NOT NULL DEFAULT 0;
