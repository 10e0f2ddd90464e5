-- The New user form's one-time key (see src/db/once.rs): the same form sent twice (a double
-- click) found the user its first sending created and said "This user name is already
-- taken", and the administrator could create the same person again under another name.
ALTER TABLE users ADD COLUMN form_key TEXT
    CHECK (form_key IS NULL OR form_key ~ '^[0-9a-f]{32}$');
CREATE UNIQUE INDEX users_form_key ON users (form_key) WHERE form_key IS NOT NULL;
