-- Users, server-side sessions, sign-in throttling, first-run setup and the audit trail.

CREATE TABLE users (
    id               BIGSERIAL PRIMARY KEY,
    username         TEXT NOT NULL CHECK (length(username) BETWEEN 1 AND 50),
    display_name     TEXT NOT NULL CHECK (length(display_name) BETWEEN 1 AND 100),
    role             TEXT NOT NULL CHECK (role IN ('admin', 'staff', 'viewer')),
    active           BOOLEAN NOT NULL DEFAULT TRUE,
    password_hash    TEXT NOT NULL,
    salesperson_code TEXT CHECK (salesperson_code IS NULL OR length(salesperson_code) BETWEEN 1 AND 20),
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT now()
);
-- User names are unique whatever their case.
CREATE UNIQUE INDEX users_username_key ON users (lower(username));

-- The cookie holds a random key; only its SHA-256 is stored.
CREATE TABLE sessions (
    id_hash      BYTEA PRIMARY KEY,
    user_id      BIGINT REFERENCES users (id) ON DELETE CASCADE,
    csrf_token   TEXT NOT NULL,
    flash        TEXT,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_seen_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX sessions_user_id ON sessions (user_id);
CREATE INDEX sessions_last_seen_at ON sessions (last_seen_at);

CREATE TABLE login_failures (
    id       BIGSERIAL PRIMARY KEY,
    username TEXT NOT NULL,
    ip       TEXT NOT NULL,
    at       TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_username_at ON login_failures (username, at);
CREATE INDEX login_failures_ip_at ON login_failures (ip, at);

CREATE TABLE setup_tokens (
    token_hash BYTEA PRIMARY KEY,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE audit_log (
    id      BIGSERIAL PRIMARY KEY,
    at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    user_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    actor   TEXT NOT NULL,
    action  TEXT NOT NULL,
    subject TEXT NOT NULL DEFAULT '',
    detail  TEXT NOT NULL DEFAULT '',
    ip      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at ON audit_log (at DESC, id DESC);
