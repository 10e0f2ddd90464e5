DROP INDEX contacts_company_or_self;
DROP INDEX contacts_companies;
DROP INDEX segment_lines_contact;
CREATE INDEX segment_lines_contact ON segment_lines (segment_id, contact_id) WHERE removed_by_step IS NULL;
CREATE INDEX segment_lines_by_contact ON segment_lines (contact_id) WHERE removed_by_step IS NULL;

DROP TRIGGER interaction_templates_lock_segment_lines ON interaction_templates;
DROP TRIGGER salespeople_lock_segment_lines ON salespeople;
DROP TRIGGER segments_lock_segment_lines ON segments;
DROP TRIGGER contacts_lock_segment_lines ON contacts;
DROP TRIGGER interaction_templates_delete_segment_lines ON interaction_templates;
DROP TRIGGER interaction_templates_rename_segment_lines ON interaction_templates;
DROP TRIGGER salespeople_delete_segment_lines ON salespeople;
DROP TRIGGER salespeople_rename_segment_lines ON salespeople;
DROP TRIGGER segments_delete_segment_lines ON segments;
DROP TRIGGER contacts_delete_segment_lines ON contacts;
DROP TRIGGER segment_lines_references_update ON segment_lines;
DROP TRIGGER segment_lines_references_insert ON segment_lines;
DROP FUNCTION rapport_lock_referencing();
DROP FUNCTION rapport_restrict_delete();
DROP FUNCTION rapport_cascade_update();
DROP FUNCTION rapport_cascade_delete();
DROP FUNCTION rapport_check_references();

ALTER TABLE segment_lines
    ADD CONSTRAINT segment_lines_segment_id_fkey FOREIGN KEY (segment_id) REFERENCES segments (id) ON DELETE CASCADE,
    ADD CONSTRAINT segment_lines_contact_id_fkey FOREIGN KEY (contact_id) REFERENCES contacts (id) ON DELETE CASCADE,
    ADD CONSTRAINT segment_lines_salesperson_code_fkey FOREIGN KEY (salesperson_code) REFERENCES salespeople (code) ON UPDATE CASCADE,
    ADD CONSTRAINT segment_lines_interaction_template_code_fkey FOREIGN KEY (interaction_template_code) REFERENCES interaction_templates (code) ON UPDATE CASCADE;
