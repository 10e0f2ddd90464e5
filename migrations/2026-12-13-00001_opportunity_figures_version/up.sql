-- The pipeline's groups (`opportunity_figures` summed by group, with their stages' names) are
-- kept by each instance (`opportunities::domain::pipeline::groups`) with the version they were
-- read at: a statement that writes opportunities, or changes a sales cycle's stages, moves it.
-- Before its rows: the version's row is the first lock such a statement takes, so two writers
-- of opportunities queue on it rather than each holding some groups of `opportunity_figures`
-- and waiting for the other's.
CREATE SEQUENCE opportunity_figures_changes;
CREATE TABLE opportunity_figures_version (
    one    BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (one),
    change BIGINT NOT NULL DEFAULT nextval('opportunity_figures_changes')
);
INSERT INTO opportunity_figures_version DEFAULT VALUES;

CREATE FUNCTION rapport_opportunity_figures_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE opportunity_figures_version SET change = nextval('opportunity_figures_changes');
    RETURN NULL;
END
$$;

CREATE TRIGGER opportunities_figures_version
    BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON opportunities
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_opportunity_figures_changed();
CREATE TRIGGER sales_cycle_stages_figures_version
    BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON sales_cycle_stages
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_opportunity_figures_changed();
