CREATE OR REPLACE FUNCTION rapport_segment_lines_follow_contacts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
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
DROP INDEX segment_lines_members;
CREATE INDEX segment_lines_members ON segment_lines (segment_id, company_name, is_person, contact_name, id)
    WHERE removed_by_step IS NULL;
ALTER TABLE segment_lines DROP COLUMN company_no;
