ALTER TABLE profile_questionnaires DROP COLUMN contact_type;
