-- A logged segment's entries are found by the range of entry ids its log wrote, not by an index
-- on their segment No. (see BENCHMARKS.md, Interactions).
--
-- Log Segment writes one entry per line in one statement, so a segment's entries take ids
-- that lie together. Each entry written paid an insert into the index on
-- (segment_no, date, id): 0.2 s of the 2.6 s that 196,228 entries take. Instead, per segment
-- No., the first and the last id of its entries are kept, and its entries are read from the
-- primary key between them, checked by their segment No. (entries of other statements that
-- ran at the same time can lie in between).
--
-- The range is kept by a trigger on every insert of entries, whoever writes them (Log
-- Segment, the demo's history), and entries are records: their id and segment No. never
-- change and they are never deleted, so a range stays true. A deleted segment's range stays,
-- as its entries do.
CREATE TABLE segment_entry_ranges (
    segment_no TEXT PRIMARY KEY CHECK (segment_no <> ''),
    first_entry BIGINT NOT NULL,
    last_entry BIGINT NOT NULL,
    CHECK (first_entry <= last_entry)
);

INSERT INTO segment_entry_ranges (segment_no, first_entry, last_entry)
SELECT segment_no, min(id), max(id) FROM interaction_log_entries
WHERE segment_no <> '' GROUP BY segment_no;

CREATE FUNCTION rapport_keep_segment_entry_ranges() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO segment_entry_ranges AS r (segment_no, first_entry, last_entry)
    SELECT segment_no, min(id), max(id) FROM new_rows WHERE segment_no <> '' GROUP BY segment_no
    ON CONFLICT (segment_no) DO UPDATE
        SET first_entry = least(r.first_entry, excluded.first_entry),
            last_entry = greatest(r.last_entry, excluded.last_entry)
        WHERE excluded.first_entry < r.first_entry OR excluded.last_entry > r.last_entry;
    RETURN NULL;
END
$$;

CREATE TRIGGER interaction_log_entries_segment_ranges
    AFTER INSERT ON interaction_log_entries REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_keep_segment_entry_ranges();

-- A deleted segment leaves its entries unlinked: they are found by its range.
CREATE OR REPLACE FUNCTION rapport_unlink_segment_entries() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE interaction_log_entries e SET segment_id = NULL
    FROM old_rows o JOIN segment_entry_ranges r ON r.segment_no = o.no::text
    WHERE e.id BETWEEN r.first_entry AND r.last_entry AND e.segment_id = o.id;
    RETURN NULL;
END
$$;

DROP INDEX interaction_log_entries_segment_no;
