-- An interaction log entry is a record: once written, only its Evaluation and Canceled change
-- (see docs/segments.md, Log Segment). The database refuses any other change, and deleting
-- one, whoever asks; what a foreign key cascades (a renamed code, a deleted segment or user
-- unlinked) still goes through, since it comes from a trigger of the key, not from a user.
-- The trigger only fires for a change of another column (its WHEN clause, evaluated without
-- calling a function), so canceling 200,000 entries costs no function call per row. A column
-- added to the table later must be added to the list.
CREATE FUNCTION rapport_entry_is_a_record() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF pg_trigger_depth() > 1 THEN
        RETURN COALESCE(NEW, OLD);
    END IF;
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'interaction log entry % is a record and cannot be deleted', OLD.id
            USING ERRCODE = 'check_violation';
    END IF;
    RAISE EXCEPTION 'interaction log entry % is a record: only its evaluation and canceled change', OLD.id
        USING ERRCODE = 'check_violation';
END
$$;

CREATE TRIGGER interaction_log_entries_are_records
    BEFORE UPDATE ON interaction_log_entries
    FOR EACH ROW
    WHEN ((OLD.id, OLD.contact_id, OLD.company_id, OLD.at, OLD.date, OLD.template_code,
           OLD.group_code, OLD.description, OLD.cost, OLD.duration_min, OLD.information_flow,
           OLD.initiated_by, OLD.salesperson_code, OLD.correspondence_type, OLD.campaign_no,
           OLD.campaign_target, OLD.campaign_response, OLD.segment_id, OLD.segment_no,
           OLD.user_id, OLD.attempt_failed)
          IS DISTINCT FROM
          (NEW.id, NEW.contact_id, NEW.company_id, NEW.at, NEW.date, NEW.template_code,
           NEW.group_code, NEW.description, NEW.cost, NEW.duration_min, NEW.information_flow,
           NEW.initiated_by, NEW.salesperson_code, NEW.correspondence_type, NEW.campaign_no,
           NEW.campaign_target, NEW.campaign_response, NEW.segment_id, NEW.segment_no,
           NEW.user_id, NEW.attempt_failed))
    EXECUTE FUNCTION rapport_entry_is_a_record();

CREATE TRIGGER interaction_log_entries_are_not_deleted
    BEFORE DELETE ON interaction_log_entries
    FOR EACH ROW EXECUTE FUNCTION rapport_entry_is_a_record();
