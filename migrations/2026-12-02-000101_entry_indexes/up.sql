-- Interaction log entries, fewer and better aimed indexes (see BENCHMARKS.md, Interactions).
--
-- Every entry Log Segment writes pays one insert per index. The index on segment_id served
-- only Cancel and Restore (the entries of one segment) and the unlinking of a deleted
-- segment's entries; the index on (segment_no, date, id) finds the same entries, since an
-- entry keeps the number of the segment that wrote it (a segment's number never changes).
-- Both now go through segment_no, and the segment_id index goes.
DROP INDEX interaction_log_entries_segment;

-- The wizard's Interactions section asks for a campaign's responses ("campaign response in the
-- last year"): a campaign may have millions of entries and a few percent of them responses.
-- Only responses are in this index, so Log Segment of a campaign's targets writes nothing to
-- it, and Cancel and Restore change no column of it.
CREATE INDEX interaction_log_entries_responses ON interaction_log_entries (campaign_no, date, contact_id)
    WHERE campaign_response;

-- A deleted segment leaves its entries unlinked, found by their segment No. (the index above)
-- rather than by reading every entry.
CREATE FUNCTION rapport_unlink_segment_entries() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE interaction_log_entries e SET segment_id = NULL
    WHERE e.segment_no = ANY (ARRAY(SELECT o.no::text FROM old_rows o)) AND e.segment_no <> ''
      AND e.segment_id = ANY (ARRAY(SELECT o.id FROM old_rows o));
    RETURN NULL;
END
$$;
DROP TRIGGER segments_unlink_interaction_log_entries ON segments;
CREATE TRIGGER segments_unlink_interaction_log_entries
    AFTER DELETE ON segments REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_unlink_segment_entries();
