-- A campaign's responses no longer count an entry whose attempt failed: the figures kept for
-- campaigns that have such an entry are counted again when their card is next opened.
DELETE FROM campaign_figures k
WHERE EXISTS (
    SELECT 1 FROM campaigns c JOIN interaction_log_entries e ON e.campaign_no = c.no
    WHERE c.id = k.campaign_id AND e.campaign_response AND e.attempt_failed
);
