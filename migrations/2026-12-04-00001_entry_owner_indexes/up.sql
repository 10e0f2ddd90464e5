-- A contact's entries and a company's (with its persons') are a few dozen to a few thousand
-- rows: they are read whole through these indexes and sorted newest first, which costs little.
-- Indexed by the key alone, each contact's or company's entries share one index tuple (btree
-- deduplication): the indexes are 5 to 8 times smaller than (contact_id, date, id) and
-- (company_id, date, id) were, and Log Segment, which adds an entry to a fifth of the contacts
-- at once, touches and writes (in full, after a checkpoint) that many fewer index pages.
DROP INDEX interaction_log_entries_contact;
DROP INDEX interaction_log_entries_company;
CREATE INDEX interaction_log_entries_contact ON interaction_log_entries (contact_id);
CREATE INDEX interaction_log_entries_company ON interaction_log_entries (company_id)
    WHERE company_id IS NOT NULL;
