-- An opportunity may be deleted (not while it is In Progress: the application refuses that,
-- as Business Central does), and its entries go with it, as Business Central deletes them.
-- They were refused: no deletion was offered. The entries' own trigger lets a trigger delete
-- them (`rapport_opportunity_entry_is_a_record`); a statement on them alone is still refused.
DROP TRIGGER opportunities_restrict_opportunity_entries ON opportunities;
CREATE TRIGGER opportunities_delete_opportunity_entries
    AFTER DELETE ON opportunities REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_cascade_delete('opportunity_entries', 'opportunity_id', 'id');
