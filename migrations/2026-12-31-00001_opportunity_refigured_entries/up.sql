-- An open opportunity whose sales cycle's probability calculation changes has its probability
-- and current value figured again: that change is an entry of its own, 'refigured'.
ALTER TABLE opportunity_entries DROP CONSTRAINT opportunity_entries_action_check;
ALTER TABLE opportunity_entries ADD CONSTRAINT opportunity_entries_action_check
    CHECK (action IN ('created', 'first', 'next', 'previous', 'skip', 'jump', 'update', 'won',
                      'lost', 'reopen', 'refigured'));
