-- A logged segment's total cost and duration as Log Segment wrote them: the page's figures of
-- a logged (or canceled) segment are these, not its lines' values recomputed from today's
-- templates (a template's cost raised after the log moved the logged segment's total, while
-- its entries and campaign entry kept what was logged).
ALTER TABLE segments
    ADD COLUMN logged_cost NUMERIC(20, 2),
    ADD COLUMN logged_duration_min BIGINT;

-- Segments logged before: the sums of the entries they wrote.
UPDATE segments s
SET logged_cost = x.cost, logged_duration_min = x.duration
FROM (SELECT segment_id, sum(cost) AS cost, sum(duration_min)::bigint AS duration
      FROM interaction_log_entries WHERE segment_id IS NOT NULL GROUP BY segment_id) x
WHERE x.segment_id = s.id AND s.status <> 'draft';
