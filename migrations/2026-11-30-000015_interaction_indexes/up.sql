-- The interactions list reads newest first by keyset (date, id), overall or for a campaign or
-- a segment; the campaign and segment pages read their entries.
CREATE INDEX interaction_log_entries_date ON interaction_log_entries (date, id);
CREATE INDEX interaction_log_entries_campaign ON interaction_log_entries (campaign_no, date, id)
    WHERE campaign_no IS NOT NULL;
CREATE INDEX interaction_log_entries_segment_no ON interaction_log_entries (segment_no, date, id)
    WHERE segment_no <> '';
