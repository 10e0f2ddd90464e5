DROP TABLE campaign_entries;
ALTER TABLE segments DROP COLUMN logged_by, DROP COLUMN logged_at;
