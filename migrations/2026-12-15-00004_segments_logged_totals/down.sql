ALTER TABLE segments DROP COLUMN logged_cost, DROP COLUMN logged_duration_min;
