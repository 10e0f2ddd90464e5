DROP TABLE mailing_group_changes;
DROP TABLE mailing_group_applications;
