-- Logging a segment: who logged it and when, and the campaign entry it writes when it has a
-- campaign (see docs/segments.md, Log Segment).
ALTER TABLE segments
    ADD COLUMN logged_at TIMESTAMPTZ,
    ADD COLUMN logged_by TEXT NOT NULL DEFAULT '';

CREATE TABLE campaign_entries (
    id           BIGSERIAL PRIMARY KEY,
    campaign_no  code20 NOT NULL REFERENCES campaigns (no) ON UPDATE CASCADE,
    segment_id   BIGINT REFERENCES segments (id) ON DELETE SET NULL,
    segment_no   TEXT NOT NULL DEFAULT '',
    date         DATE NOT NULL,
    description  TEXT NOT NULL DEFAULT '',
    entries      BIGINT NOT NULL DEFAULT 0,
    cost         NUMERIC(14, 2) NOT NULL DEFAULT 0,
    duration_min BIGINT NOT NULL DEFAULT 0,
    user_id      BIGINT REFERENCES users (id) ON DELETE SET NULL,
    user_name    TEXT NOT NULL DEFAULT '',
    at           TIMESTAMPTZ NOT NULL DEFAULT now(),
    canceled     BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX campaign_entries_campaign ON campaign_entries (campaign_no, id);
CREATE INDEX campaign_entries_segment ON campaign_entries (segment_id);
