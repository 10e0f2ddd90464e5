DROP TRIGGER campaigns_lock_referencing ON campaigns;
CREATE TRIGGER campaigns_lock_opportunities
    BEFORE DELETE OR UPDATE OF no ON campaigns
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_lock_referencing('opportunities');
CREATE TRIGGER campaigns_lock_interaction_log_entries
    BEFORE DELETE OR UPDATE OF no ON campaigns
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_lock_referencing('interaction_log_entries');

DROP TRIGGER interaction_templates_lock_referencing ON interaction_templates;
CREATE TRIGGER interaction_templates_lock_segment_lines
    BEFORE DELETE OR UPDATE OF code ON interaction_templates
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_lock_referencing('segment_lines');
CREATE TRIGGER interaction_templates_lock_interaction_log_entries
    BEFORE DELETE OR UPDATE OF code ON interaction_templates
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_lock_referencing('interaction_log_entries');

DROP TRIGGER salespeople_lock_referencing ON salespeople;
CREATE TRIGGER salespeople_lock_segment_lines
    BEFORE DELETE OR UPDATE OF code ON salespeople
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_lock_referencing('segment_lines');
CREATE TRIGGER salespeople_lock_opportunities
    BEFORE DELETE OR UPDATE OF code ON salespeople
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_lock_referencing('opportunities');
CREATE TRIGGER salespeople_lock_interaction_log_entries
    BEFORE DELETE OR UPDATE OF code ON salespeople
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_lock_referencing('interaction_log_entries');

DROP TRIGGER segments_lock_referencing ON segments;
CREATE TRIGGER segments_lock_segment_lines
    BEFORE DELETE ON segments FOR EACH STATEMENT EXECUTE FUNCTION rapport_lock_referencing('segment_lines');
CREATE TRIGGER segments_lock_interaction_log_entries
    BEFORE DELETE ON segments
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_lock_referencing('interaction_log_entries');

DROP TRIGGER contacts_lock_referencing ON contacts;
CREATE TRIGGER contacts_lock_segment_lines
    BEFORE DELETE ON contacts FOR EACH STATEMENT EXECUTE FUNCTION rapport_lock_referencing('segment_lines');
CREATE TRIGGER contacts_lock_opportunities
    BEFORE DELETE ON contacts
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_lock_referencing('opportunities');
CREATE TRIGGER contacts_lock_interaction_log_entries
    BEFORE DELETE ON contacts
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_lock_referencing('interaction_log_entries');

CREATE OR REPLACE FUNCTION rapport_lock_referencing() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('LOCK TABLE %I IN SHARE ROW EXCLUSIVE MODE', TG_ARGV[0]);
    RETURN NULL;
END
$$;
