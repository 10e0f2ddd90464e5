DROP INDEX interaction_log_entries_contact;
DROP INDEX interaction_log_entries_company;
CREATE INDEX interaction_log_entries_contact ON interaction_log_entries (contact_id, date, id);
CREATE INDEX interaction_log_entries_company ON interaction_log_entries (company_id, date, id)
    WHERE company_id IS NOT NULL;
