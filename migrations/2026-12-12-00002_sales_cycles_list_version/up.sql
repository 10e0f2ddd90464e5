-- The sales cycles are a choice of the opportunities list's filter, kept as the other lists a
-- form offers (`setup::options_of`): a statement that changes a cycle's code or description
-- moves the version of the kept lists (`code_list_version`). Blocking a cycle, or its stages,
-- do not.
CREATE TRIGGER sales_cycles_code_list_version
    AFTER INSERT OR UPDATE OF code, description OR DELETE OR TRUNCATE ON sales_cycles
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_code_lists_changed();
