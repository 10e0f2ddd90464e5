-- Contact imports run in the background; their progress and result are kept here so that any
-- instance can show them.
CREATE TABLE import_jobs (
    id             BIGSERIAL PRIMARY KEY,
    user_id        BIGINT REFERENCES users (id) ON DELETE SET NULL,
    file_name      TEXT NOT NULL DEFAULT '',
    status         TEXT NOT NULL DEFAULT 'validating'
                   CHECK (status IN ('validating', 'importing', 'done', 'invalid', 'failed')),
    total_rows     BIGINT NOT NULL DEFAULT 0,
    processed_rows BIGINT NOT NULL DEFAULT 0,
    created_count  BIGINT NOT NULL DEFAULT 0,
    -- One problem per line: "line 12: …".
    errors         TEXT NOT NULL DEFAULT '',
    error_count    BIGINT NOT NULL DEFAULT 0,
    message        TEXT NOT NULL DEFAULT '',
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    finished_at    TIMESTAMPTZ
);
