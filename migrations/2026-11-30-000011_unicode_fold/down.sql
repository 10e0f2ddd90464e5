DROP INDEX users_username_key;
CREATE UNIQUE INDEX users_username_key ON users (lower(username));

ALTER TABLE contacts DROP COLUMN search_text;
ALTER TABLE contacts ADD COLUMN search_text TEXT GENERATED ALWAYS AS
    (lower(no || ' ' || name || ' ' || email || ' ' || city || ' ' || phone || ' ' || mobile)) STORED;
CREATE INDEX contacts_search_text ON contacts USING gin (search_text gin_trgm_ops);

DROP FUNCTION rapport_fold(text);
