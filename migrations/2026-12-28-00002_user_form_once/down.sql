ALTER TABLE users DROP COLUMN form_key;
