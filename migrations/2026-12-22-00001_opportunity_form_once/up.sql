-- A new opportunity's form carries a one-time key, as a single interaction's does: a double
-- click, the back button and resubmit, or the same form sent from two tabs create one
-- opportunity, not two under two numbers. Opportunities made from a segment have none (Create
-- Opportunities is guarded by the contacts' open opportunities).
ALTER TABLE opportunities ADD COLUMN form_key TEXT
    CHECK (form_key IS NULL OR form_key ~ '^[0-9a-f]{32}$');
CREATE UNIQUE INDEX opportunities_form_key ON opportunities (form_key) WHERE form_key IS NOT NULL;
