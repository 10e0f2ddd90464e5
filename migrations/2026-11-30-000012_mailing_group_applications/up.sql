-- Apply Mailing Group, recorded with the contacts it changed, so that Undo restores exactly
-- those: the contacts that got the group lose it again, those that lost it get it back.
CREATE TABLE mailing_group_applications (
    id          BIGSERIAL PRIMARY KEY,
    segment_id  BIGINT REFERENCES segments (id) ON DELETE SET NULL,
    segment_no  TEXT NOT NULL,
    code        code20 NOT NULL REFERENCES mailing_groups (code) ON UPDATE CASCADE ON DELETE CASCADE,
    gained      BIGINT NOT NULL DEFAULT 0,
    lost        BIGINT NOT NULL DEFAULT 0,
    user_name   TEXT NOT NULL,
    applied_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    undone_at   TIMESTAMPTZ,
    undone_by   TEXT
);
CREATE INDEX mailing_group_applications_segment ON mailing_group_applications (segment_id, id);

-- One row per contact changed (no foreign key to contacts: a deleted contact's row is
-- skipped by Undo, and writing 200,000 rows checks no key per row).
CREATE TABLE mailing_group_changes (
    application_id BIGINT NOT NULL REFERENCES mailing_group_applications (id) ON DELETE CASCADE,
    contact_id     BIGINT NOT NULL,
    gained         BOOLEAN NOT NULL,
    PRIMARY KEY (application_id, contact_id)
);
