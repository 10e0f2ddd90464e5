-- The version of the code tables' lists (the codes a form offers: salespeople, countries, …),
-- moved by every statement that changes one of them, so that an instance may keep the lists
-- it read and ask only whether they changed (`setup::options_of`). `database` tells this
-- database from any other a process reads; `change` comes from a sequence, which a rolled-back
-- change never gives back: a version seen inside a transaction that did not commit is never
-- the version of another change. One row, always.
CREATE SEQUENCE code_list_changes;

CREATE TABLE code_list_version (
    one      BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (one),
    database TEXT NOT NULL DEFAULT gen_random_uuid()::text,
    change   BIGINT NOT NULL DEFAULT nextval('code_list_changes')
);
INSERT INTO code_list_version DEFAULT VALUES;

CREATE FUNCTION rapport_code_lists_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE code_list_version SET change = nextval('code_list_changes');
    RETURN NULL;
END
$$;

CREATE TRIGGER salespeople_code_list_version
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON salespeople
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_code_lists_changed();
CREATE TRIGGER territories_code_list_version
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON territories
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_code_lists_changed();
CREATE TRIGGER countries_code_list_version
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON countries
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_code_lists_changed();
CREATE TRIGGER languages_code_list_version
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON languages
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_code_lists_changed();
CREATE TRIGGER industry_groups_code_list_version
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON industry_groups
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_code_lists_changed();
CREATE TRIGGER business_relations_code_list_version
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON business_relations
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_code_lists_changed();
CREATE TRIGGER mailing_groups_code_list_version
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON mailing_groups
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_code_lists_changed();
CREATE TRIGGER job_responsibilities_code_list_version
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON job_responsibilities
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_code_lists_changed();
CREATE TRIGGER organizational_levels_code_list_version
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON organizational_levels
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_code_lists_changed();
CREATE TRIGGER campaign_statuses_code_list_version
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON campaign_statuses
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_code_lists_changed();
CREATE TRIGGER interaction_groups_code_list_version
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON interaction_groups
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_code_lists_changed();
