DROP TRIGGER segments_unlink_interaction_log_entries ON segments;
CREATE TRIGGER segments_unlink_interaction_log_entries
    AFTER DELETE ON segments REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_set_null_rows('interaction_log_entries', 'segment_id', 'id');
DROP FUNCTION rapport_unlink_segment_entries();
DROP INDEX interaction_log_entries_responses;
CREATE INDEX interaction_log_entries_segment ON interaction_log_entries (segment_id);
