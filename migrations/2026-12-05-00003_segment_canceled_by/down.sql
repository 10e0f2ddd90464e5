ALTER TABLE segments DROP COLUMN canceled_at, DROP COLUMN canceled_by;
