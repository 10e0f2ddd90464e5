-- The interaction templates and the campaigns are choices of forms too (a segment's header
-- offers both): a statement that changes their codes or descriptions moves the version of the
-- kept lists (`code_list_version`, `setup::options_of`), as a code table's statements do.
-- Only those columns: logging interactions updates a campaign's `entries_version` on every
-- write, and must neither move the version nor wait for its row.
CREATE TRIGGER interaction_templates_code_list_version
    AFTER INSERT OR UPDATE OF code, description OR DELETE OR TRUNCATE ON interaction_templates
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_code_lists_changed();
CREATE TRIGGER campaigns_code_list_version
    AFTER INSERT OR UPDATE OF no, description OR DELETE OR TRUNCATE ON campaigns
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_code_lists_changed();
