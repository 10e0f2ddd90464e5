-- An opportunity's entries keep the close code it was closed with (as text, a record), also
-- once it is reopened and the opportunity itself has none: a rename of the code reaches them
-- as it reaches the opportunities, and a code they name is not deleted (it was, and its type
-- could be flipped, once the opportunities closed with it had been reopened).
CREATE TRIGGER close_opportunity_codes_rename_opportunity_entries
    AFTER UPDATE OF code ON close_opportunity_codes FOR EACH ROW WHEN (NEW.code IS DISTINCT FROM OLD.code)
    EXECUTE FUNCTION rapport_cascade_update('opportunity_entries', 'close_code', 'code');
CREATE TRIGGER close_opportunity_codes_restrict_opportunity_entries
    AFTER DELETE ON close_opportunity_codes REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_restrict_delete_rows('opportunity_entries', 'close_code', 'code');
