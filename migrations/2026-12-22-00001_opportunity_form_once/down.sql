ALTER TABLE opportunities DROP COLUMN form_key;
