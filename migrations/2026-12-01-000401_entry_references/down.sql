DROP TRIGGER campaigns_restrict_interaction_log_entries ON campaigns;
DROP TRIGGER campaigns_rename_interaction_log_entries ON campaigns;
DROP TRIGGER interaction_groups_restrict_interaction_log_entries ON interaction_groups;
DROP TRIGGER interaction_groups_rename_interaction_log_entries ON interaction_groups;
DROP TRIGGER interaction_templates_restrict_interaction_log_entries ON interaction_templates;
DROP TRIGGER interaction_templates_rename_interaction_log_entries ON interaction_templates;
DROP TRIGGER salespeople_restrict_interaction_log_entries ON salespeople;
DROP TRIGGER salespeople_rename_interaction_log_entries ON salespeople;
DROP TRIGGER users_unlink_interaction_log_entries ON users;
DROP TRIGGER segments_unlink_interaction_log_entries ON segments;
DROP TRIGGER contacts_restrict_interaction_log_entries_company ON contacts;
DROP TRIGGER contacts_restrict_interaction_log_entries ON contacts;
DROP TRIGGER campaigns_lock_interaction_log_entries ON campaigns;
DROP TRIGGER interaction_groups_lock_interaction_log_entries ON interaction_groups;
DROP TRIGGER interaction_templates_lock_interaction_log_entries ON interaction_templates;
DROP TRIGGER salespeople_lock_interaction_log_entries ON salespeople;
DROP TRIGGER users_lock_interaction_log_entries ON users;
DROP TRIGGER segments_lock_interaction_log_entries ON segments;
DROP TRIGGER contacts_lock_interaction_log_entries ON contacts;
DROP TRIGGER interaction_log_entries_references_update ON interaction_log_entries;
DROP TRIGGER interaction_log_entries_references_insert ON interaction_log_entries;
DROP FUNCTION rapport_check_entry_references();
DROP FUNCTION rapport_set_null_rows();
DROP FUNCTION rapport_restrict_delete_rows();

ALTER TABLE interaction_log_entries
    ADD CONSTRAINT interaction_log_entries_contact_id_fkey FOREIGN KEY (contact_id) REFERENCES contacts (id),
    ADD CONSTRAINT interaction_log_entries_company_id_fkey FOREIGN KEY (company_id) REFERENCES contacts (id),
    ADD CONSTRAINT interaction_log_entries_template_code_fkey FOREIGN KEY (template_code)
        REFERENCES interaction_templates (code) ON UPDATE CASCADE,
    ADD CONSTRAINT interaction_log_entries_group_code_fkey FOREIGN KEY (group_code)
        REFERENCES interaction_groups (code) ON UPDATE CASCADE,
    ADD CONSTRAINT interaction_log_entries_salesperson_code_fkey FOREIGN KEY (salesperson_code)
        REFERENCES salespeople (code) ON UPDATE CASCADE,
    ADD CONSTRAINT interaction_log_entries_campaign_no_fkey FOREIGN KEY (campaign_no)
        REFERENCES campaigns (no) ON UPDATE CASCADE,
    ADD CONSTRAINT interaction_log_entries_segment_id_fkey FOREIGN KEY (segment_id)
        REFERENCES segments (id) ON DELETE SET NULL,
    ADD CONSTRAINT interaction_log_entries_user_id_fkey FOREIGN KEY (user_id)
        REFERENCES users (id) ON DELETE SET NULL;
