-- A single interaction's form carries a one-time key: a double click, the back button and
-- resubmit, or the same form sent from two tabs log it once. Entries of logged segments have
-- none (Log Segment is guarded by the segment's status).
ALTER TABLE interaction_log_entries ADD COLUMN form_key TEXT
    CHECK (form_key IS NULL OR form_key ~ '^[0-9a-f]{32}$');
CREATE UNIQUE INDEX interaction_log_entries_form_key ON interaction_log_entries (form_key)
    WHERE form_key IS NOT NULL;

-- The key is part of the record: the trigger that keeps entries unchanged watches it too.
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
