-- Whether an entry is canceled because its segment was: Restore brings back only those, so an
-- entry someone canceled on its own (a wrong contact) stays canceled through a Cancel and a
-- Restore of its segment (see docs/segments.md, Cancel and Restore). Not one of the record's
-- columns the trigger guards: it changes with Canceled.
ALTER TABLE interaction_log_entries
    ADD COLUMN canceled_with_segment BOOLEAN NOT NULL DEFAULT FALSE;

-- The entries of the segments canceled before: canceled with their segment (one canceled on
-- its own before its segment was cannot be told apart any more).
UPDATE interaction_log_entries e SET canceled_with_segment = TRUE
FROM segments s
WHERE s.id = e.segment_id AND s.status = 'canceled' AND e.canceled;

ALTER TABLE interaction_log_entries
    ADD CONSTRAINT interaction_log_entries_canceled_with_segment
    CHECK (canceled OR NOT canceled_with_segment);
