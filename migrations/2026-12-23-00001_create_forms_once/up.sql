-- The forms that create a contact, a segment or a campaign carry a one-time key, as those of
-- a single interaction and a new opportunity do: a double click, the back button and
-- resubmit, or the same form sent from two tabs create one record, not two under two numbers.
-- Records made otherwise (an import, a copy, the demo data) have none.
ALTER TABLE contacts ADD COLUMN form_key TEXT
    CHECK (form_key IS NULL OR form_key ~ '^[0-9a-f]{32}$');
CREATE UNIQUE INDEX contacts_form_key ON contacts (form_key) WHERE form_key IS NOT NULL;
ALTER TABLE segments ADD COLUMN form_key TEXT
    CHECK (form_key IS NULL OR form_key ~ '^[0-9a-f]{32}$');
CREATE UNIQUE INDEX segments_form_key ON segments (form_key) WHERE form_key IS NOT NULL;
ALTER TABLE campaigns ADD COLUMN form_key TEXT
    CHECK (form_key IS NULL OR form_key ~ '^[0-9a-f]{32}$');
CREATE UNIQUE INDEX campaigns_form_key ON campaigns (form_key) WHERE form_key IS NOT NULL;
