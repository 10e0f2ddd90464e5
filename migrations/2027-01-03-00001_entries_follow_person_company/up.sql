-- An interaction log entry keeps its contact's company (company_id, for a company its own id),
-- copied when it is logged. A person without a company who later joins one left their entries
-- without it: the company's card and the interactions filtered by the company (its persons'
-- too) did not show them. As Business Central fills an entry's blank Contact Company No. when
-- its contact gets a company (as it does an opportunity's, 2026-12-25-00001), the company now
-- reaches the person's entries that have none, whatever changed the contact (its page, an
-- import). An entry that has a company keeps it: a person who moves on leaves the entries of
-- the old company as they were. An entry is otherwise a record: the trigger that keeps it
-- unchanged lets a change made by another trigger through, as for renamed codes.

-- The entries without a company, by contact: few (persons without a company), and what the
-- trigger below looks for. Without it, every save of a contact read the whole log to learn
-- that no entry lacked a company.
CREATE INDEX interaction_log_entries_no_company ON interaction_log_entries (contact_id)
    WHERE company_id IS NULL;

-- Statement level, over the statement's old and new rows: one UPDATE for any number of
-- contacts changed at once (the persons who had no company and have one now), and none while
-- no entry lacks a company.
CREATE FUNCTION rapport_entries_follow_person_company() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM interaction_log_entries WHERE company_id IS NULL) THEN
        RETURN NULL;
    END IF;
    UPDATE interaction_log_entries e
    SET company_id = m.company_key
    FROM (SELECT n.id, n.company_key FROM new_rows n JOIN old_rows o ON o.id = n.id
          WHERE o.company_key IS NULL AND n.company_key IS NOT NULL) m
    WHERE e.contact_id = m.id AND e.company_id IS NULL;
    RETURN NULL;
END
$$;

CREATE TRIGGER contacts_entry_company AFTER UPDATE ON contacts
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_entries_follow_person_company();

-- A company filled in where there was none is the contact's own company (the trigger above is
-- the only way to it): its references need no check, row by row (eight lookups an entry: a
-- million persons joining companies in one import took minutes). Any other change of them is
-- checked as before.
DROP TRIGGER interaction_log_entries_references_update ON interaction_log_entries;
CREATE TRIGGER interaction_log_entries_references_update
    AFTER UPDATE OF contact_id, company_id, template_code, group_code, salesperson_code,
        campaign_no, segment_id, user_id ON interaction_log_entries
    FOR EACH ROW
    WHEN (NEW.contact_id IS DISTINCT FROM OLD.contact_id
          OR (NEW.company_id IS DISTINCT FROM OLD.company_id AND OLD.company_id IS NOT NULL)
          OR NEW.template_code IS DISTINCT FROM OLD.template_code
          OR NEW.group_code IS DISTINCT FROM OLD.group_code
          OR NEW.salesperson_code IS DISTINCT FROM OLD.salesperson_code
          OR NEW.campaign_no IS DISTINCT FROM OLD.campaign_no
          OR (NEW.segment_id IS DISTINCT FROM OLD.segment_id AND NEW.segment_id IS NOT NULL)
          OR (NEW.user_id IS DISTINCT FROM OLD.user_id AND NEW.user_id IS NOT NULL))
    EXECUTE FUNCTION rapport_check_references(
        'contact_id', 'contacts', 'id',
        'company_id', 'contacts', 'id',
        'template_code', 'interaction_templates', 'code',
        'group_code', 'interaction_groups', 'code',
        'salesperson_code', 'salespeople', 'code',
        'campaign_no', 'campaigns', 'no',
        'segment_id', 'segments', 'id',
        'user_id', 'users', 'id');

-- Entries whose person has joined a company already (the record's trigger set aside for this
-- one statement; the campaigns' figures are counted again by theirs).
ALTER TABLE interaction_log_entries DISABLE TRIGGER interaction_log_entries_are_records;
UPDATE interaction_log_entries e
SET company_id = c.company_key
FROM contacts c
WHERE e.contact_id = c.id AND e.company_id IS NULL AND c.company_key IS NOT NULL;
ALTER TABLE interaction_log_entries ENABLE TRIGGER interaction_log_entries_are_records;
