-- A segment's lines are ordered as Business Central orders contacts: by company name, then by
-- company No., the company before its persons, then by name. Before, the order had no company
-- No.: the persons of two companies of the same name were interleaved under them, on the
-- segment page, in the mail-merge export and in Log Segment's order, and nothing on a line told
-- them apart. The line keeps a copy of its company's No. beside the copy of its name (a
-- company's own No. for a company, '' for a person of no company), and the trigger that keeps
-- the names in step keeps it too: a person that moves to another company follows. A contact's
-- No. never changes.
ALTER TABLE segment_lines ADD COLUMN company_no TEXT NOT NULL DEFAULT '';

UPDATE segment_lines l
SET company_no = COALESCE(co.no, CASE WHEN c.type = 'company' THEN c.no ELSE '' END)
FROM contacts c
LEFT JOIN contacts co ON co.id = c.company_id AND co.type = 'company'
WHERE l.contact_id = c.id
  AND COALESCE(co.no, CASE WHEN c.type = 'company' THEN c.no ELSE '' END) <> '';

DROP INDEX segment_lines_members;
CREATE INDEX segment_lines_members
    ON segment_lines (segment_id, company_name, company_no, is_person, contact_name, id)
    WHERE removed_by_step IS NULL;

CREATE OR REPLACE FUNCTION rapport_segment_lines_follow_contacts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- The lines of a contact whose name, company or type changed.
    UPDATE segment_lines l
    SET contact_name = n.name,
        is_person = n.type = 'person',
        company_name = COALESCE(co.name, CASE WHEN n.type = 'company' THEN n.name ELSE '' END),
        company_no = COALESCE(co.no, CASE WHEN n.type = 'company' THEN n.no ELSE '' END)
    FROM new_rows n
    JOIN old_rows o ON o.id = n.id
    LEFT JOIN contacts co ON co.id = n.company_id AND co.type = 'company'
    WHERE l.contact_id = n.id
      AND (n.name IS DISTINCT FROM o.name OR n.company_id IS DISTINCT FROM o.company_id
           OR n.type IS DISTINCT FROM o.type)
      AND (l.contact_name, l.is_person, l.company_name, l.company_no)
          IS DISTINCT FROM (n.name, n.type = 'person',
                            COALESCE(co.name, CASE WHEN n.type = 'company' THEN n.name ELSE '' END),
                            COALESCE(co.no, CASE WHEN n.type = 'company' THEN n.no ELSE '' END));
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
