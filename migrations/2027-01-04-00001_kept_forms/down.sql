ALTER TABLE sessions DROP COLUMN ended_at;
DROP TABLE kept_forms;
