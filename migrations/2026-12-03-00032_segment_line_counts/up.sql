-- A segment's lines counted as they change (see docs/architecture.md, Segments), so that the
-- segment page and the segment list read a few rows instead of counting a segment's 200,000
-- lines on every view.
--
-- segment_line_counts holds, per segment, how many lines each step added that are still on the
-- segment (removed_by_step 0) or that a later step removed: the lines on the segment are the
-- sum of its rows with removed_by_step 0, and what each Go Back would bring back and take out
-- is read from the same few rows. Statement-level triggers on segment_lines keep it: an insert
-- adds the statement's new lines grouped by segment and steps (the transition table the
-- references check of 2026-11-29-000006 already captures), an update moves lines between rows
-- (Reduce, Refine, Refresh, Go Back's restore), a delete takes them out (Go Back, a deleted
-- segment, a deleted contact's removed lines). Every path that changes lines is counted, the
-- demo data's and a cascade's too.

CREATE TABLE segment_line_counts (
    segment_id BIGINT NOT NULL REFERENCES segments (id) ON DELETE CASCADE,
    added_by_step INTEGER NOT NULL,
    -- The step that removed the lines; 0 while they are on the segment.
    removed_by_step INTEGER NOT NULL,
    lines BIGINT NOT NULL,
    PRIMARY KEY (segment_id, added_by_step, removed_by_step)
);

-- Statement level, for INSERT, UPDATE and DELETE: the statement's lines (+1 each new row, -1
-- each old row) grouped by segment and steps, added to the counts. Rows that reach 0 stay (at
-- most one per pair of steps) and are read as nothing. A deleted segment's rows went with it
-- (the foreign key's cascade runs before the trigger that deletes its lines): its deltas find
-- no segment and are dropped.
CREATE FUNCTION rapport_count_segment_lines() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO segment_line_counts AS k (segment_id, added_by_step, removed_by_step, lines)
        SELECT segment_id, added_by_step, COALESCE(removed_by_step, 0), count(*)
        FROM new_rows GROUP BY 1, 2, 3
        ON CONFLICT (segment_id, added_by_step, removed_by_step)
        DO UPDATE SET lines = k.lines + EXCLUDED.lines;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO segment_line_counts AS k (segment_id, added_by_step, removed_by_step, lines)
        SELECT segment_id, added_by_step, COALESCE(removed_by_step, 0), sum(n)
        FROM (SELECT segment_id, added_by_step, removed_by_step, 1 AS n FROM new_rows
              UNION ALL
              SELECT segment_id, added_by_step, removed_by_step, -1 FROM old_rows) x
        GROUP BY 1, 2, 3 HAVING sum(n) <> 0
        ON CONFLICT (segment_id, added_by_step, removed_by_step)
        DO UPDATE SET lines = k.lines + EXCLUDED.lines;
    ELSE
        INSERT INTO segment_line_counts AS k (segment_id, added_by_step, removed_by_step, lines)
        SELECT d.* FROM (SELECT segment_id, added_by_step, COALESCE(removed_by_step, 0), -count(*)
                         FROM old_rows GROUP BY 1, 2, 3) d (segment_id, added_by_step, removed_by_step, lines)
        WHERE EXISTS (SELECT 1 FROM segments s WHERE s.id = d.segment_id)
        ON CONFLICT (segment_id, added_by_step, removed_by_step)
        DO UPDATE SET lines = k.lines + EXCLUDED.lines;
    END IF;
    RETURN NULL;
END
$$;

-- Named to fire after the references checks of the same statement (triggers fire by name).
CREATE TRIGGER segment_lines_totals_insert
    AFTER INSERT ON segment_lines REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_count_segment_lines();
CREATE TRIGGER segment_lines_totals_update
    AFTER UPDATE ON segment_lines REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_count_segment_lines();
CREATE TRIGGER segment_lines_totals_delete
    AFTER DELETE ON segment_lines REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_count_segment_lines();

-- The lines there are now.
INSERT INTO segment_line_counts (segment_id, added_by_step, removed_by_step, lines)
SELECT segment_id, added_by_step, COALESCE(removed_by_step, 0), count(*)
FROM segment_lines GROUP BY 1, 2, 3;

-- The lines whose cost or duration is not the header's: a line's own cost, duration or
-- template. The segment's total cost is the header's unit cost times its other lines plus
-- these lines' own, read through this index (lines get their own values one by one, on the
-- line form), whatever the size of the segment.
CREATE INDEX segment_lines_own_values ON segment_lines (segment_id)
    WHERE removed_by_step IS NULL
      AND (unit_cost IS NOT NULL OR unit_duration_min IS NOT NULL OR interaction_template_code IS NOT NULL);
