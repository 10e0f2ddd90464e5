-- Deleting or renaming a referenced row locks the tables that reference it, so that their
-- writers are waited for and no row slips in beside it (rapport_lock_referencing). A table
-- referenced from several had one such trigger for each, fired in the order of their names:
-- interaction log entries, then opportunities, then segment lines. The application takes
-- them the other way round (a contact's deletion and a rename on its card wait for the
-- segment steps first; an opportunity's move writes the opportunity before its interaction),
-- and a segment's deletion deadlocked with a contact's. One trigger per table now locks them
-- in the application's order: segment lines, opportunities, interaction log entries.
CREATE OR REPLACE FUNCTION rapport_lock_referencing() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY TG_ARGV LOOP
        EXECUTE format('LOCK TABLE %I IN SHARE ROW EXCLUSIVE MODE', t);
    END LOOP;
    RETURN NULL;
END
$$;

DROP TRIGGER contacts_lock_segment_lines ON contacts;
DROP TRIGGER contacts_lock_opportunities ON contacts;
DROP TRIGGER contacts_lock_interaction_log_entries ON contacts;
CREATE TRIGGER contacts_lock_referencing
    BEFORE DELETE ON contacts FOR EACH STATEMENT
    EXECUTE FUNCTION rapport_lock_referencing('segment_lines', 'opportunities', 'interaction_log_entries');

DROP TRIGGER segments_lock_segment_lines ON segments;
DROP TRIGGER segments_lock_interaction_log_entries ON segments;
CREATE TRIGGER segments_lock_referencing
    BEFORE DELETE ON segments FOR EACH STATEMENT
    EXECUTE FUNCTION rapport_lock_referencing('segment_lines', 'interaction_log_entries');

DROP TRIGGER salespeople_lock_segment_lines ON salespeople;
DROP TRIGGER salespeople_lock_opportunities ON salespeople;
DROP TRIGGER salespeople_lock_interaction_log_entries ON salespeople;
CREATE TRIGGER salespeople_lock_referencing
    BEFORE DELETE OR UPDATE OF code ON salespeople FOR EACH STATEMENT
    EXECUTE FUNCTION rapport_lock_referencing('segment_lines', 'opportunities', 'interaction_log_entries');

DROP TRIGGER interaction_templates_lock_segment_lines ON interaction_templates;
DROP TRIGGER interaction_templates_lock_interaction_log_entries ON interaction_templates;
CREATE TRIGGER interaction_templates_lock_referencing
    BEFORE DELETE OR UPDATE OF code ON interaction_templates FOR EACH STATEMENT
    EXECUTE FUNCTION rapport_lock_referencing('segment_lines', 'interaction_log_entries');

DROP TRIGGER campaigns_lock_opportunities ON campaigns;
DROP TRIGGER campaigns_lock_interaction_log_entries ON campaigns;
CREATE TRIGGER campaigns_lock_referencing
    BEFORE DELETE OR UPDATE OF no ON campaigns FOR EACH STATEMENT
    EXECUTE FUNCTION rapport_lock_referencing('opportunities', 'interaction_log_entries');
