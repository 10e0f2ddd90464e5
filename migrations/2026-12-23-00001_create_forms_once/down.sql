ALTER TABLE campaigns DROP COLUMN form_key;
ALTER TABLE segments DROP COLUMN form_key;
ALTER TABLE contacts DROP COLUMN form_key;
