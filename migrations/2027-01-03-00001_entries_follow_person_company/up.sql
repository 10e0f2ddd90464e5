-- An interaction log entry keeps its contact's company (company_id, for a company its own id),
-- copied when it is logged. A person without a company who later joins one left their entries
-- without it: the company's card and the interactions filtered by the company (its persons'
-- too) did not show them. As Business Central fills an entry's blank Contact Company No. when
-- its contact gets a company (as it does an opportunity's, 2026-12-25-00001), the company now
-- reaches the person's entries that have none, whatever changed the contact (its page, an
-- import). An entry that has a company keeps it: a person who moves on leaves the entries of
-- the old company as they were. An entry is otherwise a record: the trigger that keeps it
-- unchanged lets a change made by another trigger through, as for renamed codes.
--
-- Statement level, over the statement's old and new rows: one UPDATE for any number of
-- contacts changed at once, and none while no entry lacks a company.
CREATE FUNCTION rapport_entries_follow_person_company() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM interaction_log_entries WHERE company_id IS NULL) THEN
        RETURN NULL;
    END IF;
    UPDATE interaction_log_entries e
    SET company_id = n.company_key
    FROM new_rows n
    JOIN old_rows o ON o.id = n.id
    WHERE e.contact_id = n.id
      AND e.company_id IS NULL
      AND n.company_key IS NOT NULL
      AND o.company_key IS DISTINCT FROM n.company_key;
    RETURN NULL;
END
$$;

CREATE TRIGGER contacts_entry_company AFTER UPDATE ON contacts
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_entries_follow_person_company();

-- Entries whose person has joined a company already (the record's trigger set aside for this
-- one statement; the campaigns' figures are counted again by theirs).
ALTER TABLE interaction_log_entries DISABLE TRIGGER interaction_log_entries_are_records;
UPDATE interaction_log_entries e
SET company_id = c.company_key
FROM contacts c
WHERE e.contact_id = c.id AND e.company_id IS NULL AND c.company_key IS NOT NULL;
ALTER TABLE interaction_log_entries ENABLE TRIGGER interaction_log_entries_are_records;
