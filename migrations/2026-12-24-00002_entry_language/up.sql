-- An interaction log entry keeps the language it was in, as Business Central's entry keeps
-- its Interaction Language Code: Log Segment writes the segment header's Language, a single
-- interaction the contact's. A renamed language reaches its entries and one in use by entries
-- is not deleted, as for the other codes an entry names (2026-12-01-000401_entry_references);
-- it is part of the record, so the trigger that keeps entries unchanged watches it too.
ALTER TABLE interaction_log_entries ADD COLUMN language_code TEXT;

DROP TRIGGER interaction_log_entries_are_records ON interaction_log_entries;
CREATE TRIGGER interaction_log_entries_are_records
    BEFORE UPDATE ON interaction_log_entries
    FOR EACH ROW
    WHEN ((OLD.id, OLD.contact_id, OLD.company_id, OLD.at, OLD.date, OLD.template_code,
           OLD.group_code, OLD.description, OLD.cost, OLD.duration_min, OLD.information_flow,
           OLD.initiated_by, OLD.salesperson_code, OLD.correspondence_type, OLD.campaign_no,
           OLD.campaign_target, OLD.campaign_response, OLD.segment_id, OLD.segment_no,
           OLD.user_id, OLD.attempt_failed, OLD.form_key, OLD.language_code)
          IS DISTINCT FROM
          (NEW.id, NEW.contact_id, NEW.company_id, NEW.at, NEW.date, NEW.template_code,
           NEW.group_code, NEW.description, NEW.cost, NEW.duration_min, NEW.information_flow,
           NEW.initiated_by, NEW.salesperson_code, NEW.correspondence_type, NEW.campaign_no,
           NEW.campaign_target, NEW.campaign_response, NEW.segment_id, NEW.segment_no,
           NEW.user_id, NEW.attempt_failed, NEW.form_key, NEW.language_code))
    EXECUTE FUNCTION rapport_entry_is_a_record();

CREATE TRIGGER languages_lock_interaction_log_entries
    BEFORE DELETE OR UPDATE OF code ON languages
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_lock_referencing('interaction_log_entries');
CREATE TRIGGER languages_rename_interaction_log_entries
    AFTER UPDATE OF code ON languages FOR EACH ROW WHEN (NEW.code IS DISTINCT FROM OLD.code)
    EXECUTE FUNCTION rapport_cascade_update('interaction_log_entries', 'language_code', 'code');
CREATE TRIGGER languages_restrict_interaction_log_entries
    AFTER DELETE ON languages REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_restrict_delete_rows('interaction_log_entries', 'language_code', 'code');
