-- An opportunity keeps its contact's company (company_id, for a company its own id), copied
-- when it is made. A person without a company who later joins one left their opportunities
-- without it: the company's card and the list filtered by the company did not show them, and
-- the opportunity's card said no company. As Business Central fills an opportunity's blank
-- Contact Company No. when its contact gets a company, the company now reaches the person's
-- opportunities that have none, whatever changed the contact (its page, an import that updates
-- contacts). An opportunity that has a company keeps it: a person who moves on leaves the
-- opportunities of the old company as they were.
--
-- Statement level, over the statement's old and new rows, as the segment lines follow their
-- contacts' names: one UPDATE for any number of contacts changed at once, and none while no
-- opportunity lacks a company.
CREATE FUNCTION rapport_opportunities_follow_person_company() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- While no opportunity lacks a company (one look at its index), the join of the
    -- statement's old and new rows is not made at all.
    IF NOT EXISTS (SELECT 1 FROM opportunities WHERE company_id IS NULL) THEN
        RETURN NULL;
    END IF;
    UPDATE opportunities op
    SET company_id = n.company_key
    FROM new_rows n
    JOIN old_rows o ON o.id = n.id
    WHERE op.contact_id = n.id
      AND op.company_id IS NULL
      AND n.company_key IS NOT NULL
      AND o.company_key IS DISTINCT FROM n.company_key;
    RETURN NULL;
END
$$;

CREATE TRIGGER contacts_opportunity_company AFTER UPDATE ON contacts
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_opportunities_follow_person_company();

-- Opportunities whose person has joined a company already.
UPDATE opportunities op
SET company_id = c.company_key
FROM contacts c
WHERE op.contact_id = c.id AND op.company_id IS NULL AND c.company_key IS NOT NULL;
