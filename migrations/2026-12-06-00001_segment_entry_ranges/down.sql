CREATE INDEX interaction_log_entries_segment_no ON interaction_log_entries (segment_no, date, id)
    WHERE segment_no <> '';

CREATE OR REPLACE FUNCTION rapport_unlink_segment_entries() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE interaction_log_entries e SET segment_id = NULL
    WHERE e.segment_no = ANY (ARRAY(SELECT o.no::text FROM old_rows o)) AND e.segment_no <> ''
      AND e.segment_id = ANY (ARRAY(SELECT o.id FROM old_rows o));
    RETURN NULL;
END
$$;

DROP TRIGGER interaction_log_entries_segment_ranges ON interaction_log_entries;
DROP FUNCTION rapport_keep_segment_entry_ranges();
DROP TABLE segment_entry_ranges;
