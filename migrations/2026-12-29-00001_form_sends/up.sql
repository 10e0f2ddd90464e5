-- An edit form's one-time key, kept once its change is made, with the version of the record
-- it made and a digest of what it sent (see src/db/once.rs): the same form sent again with
-- the same values (a double click) finds that its record is still as it left it, and is told
-- its change was made. Before, it was told that
-- someone else had changed the record, and an opportunity's move sent again moved it once
-- more. Kept for a day.
CREATE TABLE form_sends (
    form_key TEXT PRIMARY KEY CHECK (form_key ~ '^[0-9a-f]{32}$'),
    made_version INTEGER NOT NULL,
    digest TEXT NOT NULL,
    sent_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX form_sends_sent_at ON form_sends (sent_at);
