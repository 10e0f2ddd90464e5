CREATE OR REPLACE FUNCTION rapport_fold(t text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN replace(replace(lower(t COLLATE "und-x-icu"), 'ß', 'ss'), 'i' || chr(775), 'i');

UPDATE contacts SET name = name WHERE search_text LIKE '%σ%';
REINDEX INDEX users_username_key;
