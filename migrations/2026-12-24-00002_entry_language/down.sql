DROP TRIGGER languages_restrict_interaction_log_entries ON languages;
DROP TRIGGER languages_rename_interaction_log_entries ON languages;
DROP TRIGGER languages_lock_interaction_log_entries ON languages;
DROP TRIGGER interaction_log_entries_are_records ON interaction_log_entries;
CREATE TRIGGER interaction_log_entries_are_records
    BEFORE UPDATE ON interaction_log_entries
    FOR EACH ROW
    WHEN ((OLD.id, OLD.contact_id, OLD.company_id, OLD.at, OLD.date, OLD.template_code,
           OLD.group_code, OLD.description, OLD.cost, OLD.duration_min, OLD.information_flow,
           OLD.initiated_by, OLD.salesperson_code, OLD.correspondence_type, OLD.campaign_no,
           OLD.campaign_target, OLD.campaign_response, OLD.segment_id, OLD.segment_no,
           OLD.user_id, OLD.attempt_failed, OLD.form_key)
          IS DISTINCT FROM
          (NEW.id, NEW.contact_id, NEW.company_id, NEW.at, NEW.date, NEW.template_code,
           NEW.group_code, NEW.description, NEW.cost, NEW.duration_min, NEW.information_flow,
           NEW.initiated_by, NEW.salesperson_code, NEW.correspondence_type, NEW.campaign_no,
           NEW.campaign_target, NEW.campaign_response, NEW.segment_id, NEW.segment_no,
           NEW.user_id, NEW.attempt_failed, NEW.form_key))
    EXECUTE FUNCTION rapport_entry_is_a_record();
ALTER TABLE interaction_log_entries DROP COLUMN language_code;
