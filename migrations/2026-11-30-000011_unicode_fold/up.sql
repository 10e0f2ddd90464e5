-- Case-insensitive matching that folds every letter (Ø, Å, Ä, Ö, ß, İ), whatever the
-- database's default locale: a database made with a C locale folds only ASCII in lower().
-- rapport_fold lower-cases through ICU's root locale, then writes ß as ss and a dotted i̇ as i;
-- the application folds what the user typed the same way (src/db/text.rs).
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_collation WHERE collname = 'und-x-icu') THEN
        RAISE EXCEPTION 'Rapport needs a PostgreSQL built with ICU: the collation "und-x-icu" does not exist in this database';
    END IF;
END
$$;

CREATE FUNCTION rapport_fold(t text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN replace(replace(lower(t COLLATE "und-x-icu"), 'ß', 'ss'), 'i' || chr(775), 'i');

-- The contact list's search text, folded so; its trigram index is rebuilt with it.
ALTER TABLE contacts DROP COLUMN search_text;
ALTER TABLE contacts ADD COLUMN search_text TEXT GENERATED ALWAYS AS
    (rapport_fold(no || ' ' || name || ' ' || email || ' ' || city || ' ' || phone || ' ' || mobile)) STORED;
CREATE INDEX contacts_search_text ON contacts USING gin (search_text gin_trgm_ops);

-- User names are unique whatever their case, in every alphabet.
DROP INDEX users_username_key;
CREATE UNIQUE INDEX users_username_key ON users (rapport_fold(username));
