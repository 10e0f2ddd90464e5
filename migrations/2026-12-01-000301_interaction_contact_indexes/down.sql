DROP INDEX interaction_log_entries_company;
DROP INDEX interaction_log_entries_contact;
CREATE INDEX interaction_log_entries_contact ON interaction_log_entries (contact_id, date);
