DELETE FROM mailing_group_changes WHERE taken_over;
ALTER TABLE mailing_group_changes DROP COLUMN taken_over;
