-- A form sent after its session had ended, kept for the user of that session until they have
-- signed in again (src/auth/carry.rs). Only the hash of its key is stored; the sign-in page
-- holds the key.
CREATE TABLE kept_forms (
    id_hash BYTEA PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    action TEXT NOT NULL,
    body TEXT NOT NULL,
    passwords_dropped BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX kept_forms_user_id ON kept_forms (user_id);
CREATE INDEX kept_forms_created_at ON kept_forms (created_at);

-- A session that ended (idle, or at its longest life) is marked so and never loaded again,
-- whatever the settings say later; its row stays a while to know whose a form sent in it
-- was, then goes.
ALTER TABLE sessions ADD COLUMN ended_at TIMESTAMPTZ;
