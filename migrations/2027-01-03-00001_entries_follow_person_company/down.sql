DROP TRIGGER contacts_entry_company ON contacts;
DROP FUNCTION rapport_entries_follow_person_company();
DROP INDEX interaction_log_entries_no_company;
DROP TRIGGER interaction_log_entries_references_update ON interaction_log_entries;
CREATE TRIGGER interaction_log_entries_references_update
    AFTER UPDATE OF contact_id, company_id, template_code, group_code, salesperson_code,
        campaign_no, segment_id, user_id ON interaction_log_entries
    FOR EACH ROW
    WHEN (NEW.contact_id IS DISTINCT FROM OLD.contact_id
          OR NEW.company_id IS DISTINCT FROM OLD.company_id
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
