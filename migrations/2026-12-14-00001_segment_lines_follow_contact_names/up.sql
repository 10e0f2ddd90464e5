-- A segment line shows its contact's name and its company's name as they are now, as Business
-- Central's Segment Line does (its Contact Name and Contact Company Name are looked up from
-- the contact). The line keeps a copy of both for its order (the segment_lines_members index:
-- company name, the company before its persons, name); this trigger keeps the copy in step when
-- a contact is renamed, moves to another company, or a company is renamed, whatever changed it:
-- the contact's page, an import that updates contacts, the command line. Before, a renamed
-- person's lines kept the old name: the segment page and the mail-merge export showed it, and a
-- search of the lines by the new name found a line that did not show it.
--
-- Statement level, over the statement's old and new rows: one UPDATE of the lines for any
-- number of contacts changed at once (an import of a million rows that renames none costs the
-- join of its old and new rows, about a twentieth of the UPDATE itself).
CREATE FUNCTION rapport_segment_lines_follow_contacts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- The lines of a contact whose name, company or type changed.
    UPDATE segment_lines l
    SET contact_name = n.name,
        is_person = n.type = 'person',
        company_name = COALESCE(co.name, CASE WHEN n.type = 'company' THEN n.name ELSE '' END)
    FROM new_rows n
    JOIN old_rows o ON o.id = n.id
    LEFT JOIN contacts co ON co.id = n.company_id AND co.type = 'company'
    WHERE l.contact_id = n.id
      AND (n.name IS DISTINCT FROM o.name OR n.company_id IS DISTINCT FROM o.company_id
           OR n.type IS DISTINCT FROM o.type)
      AND (l.contact_name, l.is_person, l.company_name)
          IS DISTINCT FROM (n.name, n.type = 'person',
                            COALESCE(co.name, CASE WHEN n.type = 'company' THEN n.name ELSE '' END));
    -- The lines of the persons of a renamed company.
    UPDATE segment_lines l
    SET company_name = n.name
    FROM new_rows n
    JOIN old_rows o ON o.id = n.id
    JOIN contacts p ON p.company_id = n.id
    WHERE n.type = 'company' AND n.name IS DISTINCT FROM o.name
      AND l.contact_id = p.id AND l.company_name IS DISTINCT FROM n.name;
    RETURN NULL;
END
$$;

CREATE TRIGGER contacts_segment_line_names AFTER UPDATE ON contacts
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_segment_lines_follow_contacts();

-- Lines that already show a name their contact no longer has.
UPDATE segment_lines l
SET contact_name = c.name,
    is_person = c.type = 'person',
    company_name = COALESCE(co.name, CASE WHEN c.type = 'company' THEN c.name ELSE '' END)
FROM contacts c
LEFT JOIN contacts co ON co.id = c.company_id AND co.type = 'company'
WHERE l.contact_id = c.id
  AND (l.contact_name, l.is_person, l.company_name)
      IS DISTINCT FROM (c.name, c.type = 'person',
                        COALESCE(co.name, CASE WHEN c.type = 'company' THEN c.name ELSE '' END));
