-- A contact's interactions (its card, `/interactions?contact=`) and a company's with its
-- persons' (`/interactions?company=`, the deletion guard) read newest first by keyset
-- (date, id): index them in that order. The older (contact_id, date) index is replaced.
DROP INDEX interaction_log_entries_contact;
CREATE INDEX interaction_log_entries_contact ON interaction_log_entries (contact_id, date, id);
CREATE INDEX interaction_log_entries_company ON interaction_log_entries (company_id, date, id)
    WHERE company_id IS NOT NULL;
