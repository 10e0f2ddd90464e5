ALTER TABLE contacts DROP COLUMN search_text;
ALTER TABLE contacts ADD COLUMN search_text TEXT GENERATED ALWAYS AS
    (rapport_fold(no || ' ' || name || ' ' || email || ' ' || city || ' ' || phone || ' ' || mobile)) STORED;
CREATE INDEX contacts_search_text ON contacts USING gin (search_text gin_trgm_ops);
CREATE INDEX contacts_name ON contacts (name, id)
    INCLUDE (search_text, type, country_code, salesperson_code, territory_code, company_key,
             exclude_from_segment, privacy_blocked);
