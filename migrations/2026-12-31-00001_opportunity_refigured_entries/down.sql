-- The refigured entries are records and stay: they go back to being estimate updates.
ALTER TABLE opportunity_entries DROP CONSTRAINT opportunity_entries_action_check;
ALTER TABLE opportunity_entries DISABLE TRIGGER USER;
UPDATE opportunity_entries SET action = 'update' WHERE action = 'refigured';
ALTER TABLE opportunity_entries ENABLE TRIGGER USER;
ALTER TABLE opportunity_entries ADD CONSTRAINT opportunity_entries_action_check
    CHECK (action IN ('created', 'first', 'next', 'previous', 'skip', 'jump', 'update', 'won',
                      'lost', 'reopen'));
