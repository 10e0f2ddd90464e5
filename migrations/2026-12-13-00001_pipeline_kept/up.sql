-- The pipeline's groups (`opportunity_figures` summed by group, with their stages' names) are
-- kept by each instance (`opportunities::domain::pipeline::groups`) with the version of what
-- instances keep (`code_list_version`, see `setup::kept`): a statement that writes
-- opportunities, or changes a sales cycle's stages, moves it as a code table's does. So a
-- signed-in page knows from its session statement whether its kept groups are current. Before
-- its rows: the version's row is the first lock such a statement takes, so two writers of
-- opportunities queue on it rather than each holding some groups of `opportunity_figures` and
-- waiting for the other's.
CREATE TRIGGER opportunities_code_list_version
    BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON opportunities
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_code_lists_changed();
CREATE TRIGGER sales_cycle_stages_code_list_version
    BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON sales_cycle_stages
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_code_lists_changed();
