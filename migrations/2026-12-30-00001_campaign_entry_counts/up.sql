-- A campaign entry counts, as Business Central's, its segment's interactions that count: those
-- not canceled, or, for a canceled entry, those canceled with it. Entries kept what the log
-- wrote, and an interaction canceled on its own page left them unchanged; they are counted
-- again from the interactions.
UPDATE campaign_entries k
SET entries = x.n, cost = x.cost, duration_min = x.duration
FROM (SELECT k2.id, count(e.id) AS n, coalesce(sum(e.cost), 0) AS cost,
             coalesce(sum(e.duration_min), 0)::bigint AS duration
      FROM campaign_entries k2
      LEFT JOIN interaction_log_entries e
        ON e.segment_id = k2.segment_id AND e.canceled = k2.canceled
      WHERE k2.segment_id IS NOT NULL
      GROUP BY k2.id) x
WHERE x.id = k.id
  AND (k.entries, k.cost, k.duration_min) IS DISTINCT FROM (x.n, x.cost, x.duration);
