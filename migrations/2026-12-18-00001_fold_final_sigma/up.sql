-- Greek has two small sigmas: σ within a word and ς at its end. lower() writes "ΟΔΟΣ" as
-- "οδος" (a final ς) but "ΟΔΟΣΤΡΩΜΑ" as "οδοστρωμα", so a search for "Οδος" did not find
-- "Οδοστρωμα" nor "ΟΔΟΣ" "Οδοσ…". rapport_fold now writes ς as σ, as the application does
-- (src/db/text.rs); what was folded with it is folded again.
CREATE OR REPLACE FUNCTION rapport_fold(t text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN replace(replace(replace(lower(t COLLATE "und-x-icu"), 'ß', 'ss'), 'i' || chr(775), 'i'),
                   'ς', 'σ');

-- A stored generated column is computed again when its row is written.
UPDATE contacts SET name = name WHERE search_text LIKE '%ς%';
REINDEX INDEX users_username_key;
UPDATE login_failures SET username = replace(username, 'ς', 'σ') WHERE username LIKE '%ς%';
