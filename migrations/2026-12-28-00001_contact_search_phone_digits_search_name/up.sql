-- The contact list's search (and the segment lines', and a contact picked by search) found a
-- phone only as it was typed: "86123456" did not find "+45 86 12 34 56", nor "86 12 34 56"
-- a phone stored as "86123456". The search text now holds each phone's digits alone too, and
-- a search that is a phone number looks for its digits (src/db/text.rs, `search_term`).
-- A Search Name the user set apart from the name ("ACME" for "Acme Holdings A/S") was not
-- searched at all: it is now, where it differs from the name folded (most are the name in
-- capitals, and the text does not grow for them).
-- A stored generated column's expression cannot be changed: the column is made again, and
-- with it the trigram index and the name index that carries it (its last form, migration
-- contact_name_filters).
ALTER TABLE contacts DROP COLUMN search_text;
ALTER TABLE contacts ADD COLUMN search_text TEXT GENERATED ALWAYS AS
    (rapport_fold(no || ' ' || name || ' ' || email || ' ' || city || ' ' || phone || ' ' || mobile
        || ' ' || regexp_replace(phone, '[^0-9]', '', 'g')
        || ' ' || regexp_replace(mobile, '[^0-9]', '', 'g')
        || CASE WHEN rapport_fold(search_name) = rapport_fold(name) THEN ''
                ELSE ' ' || search_name END)) STORED;
CREATE INDEX contacts_search_text ON contacts USING gin (search_text gin_trgm_ops);
CREATE INDEX contacts_name ON contacts (name, id)
    INCLUDE (search_text, type, country_code, salesperson_code, territory_code, company_key,
             exclude_from_segment, privacy_blocked);
