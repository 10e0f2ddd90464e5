DROP TRIGGER opportunities_delete_opportunity_entries ON opportunities;
CREATE TRIGGER opportunities_restrict_opportunity_entries
    AFTER DELETE ON opportunities REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_restrict_delete_rows('opportunity_entries', 'opportunity_id', 'id');
