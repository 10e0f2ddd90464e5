-- Segments (see docs/segments.md): header, lines, the criteria ledger, saved criteria; and
-- the tables the segment header and the Interactions filters refer to (interaction templates,
-- campaigns, interaction log entries), whose own pages come with the interactions and
-- campaigns work.

CREATE TABLE campaigns (
    id               BIGSERIAL PRIMARY KEY,
    no               code20 NOT NULL UNIQUE,
    description      TEXT NOT NULL DEFAULT '' CHECK (length(description) <= 100),
    starting_date    DATE,
    ending_date      DATE,
    salesperson_code code20 REFERENCES salespeople (code) ON UPDATE CASCADE,
    status_code      code20 REFERENCES campaign_statuses (code) ON UPDATE CASCADE,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK (starting_date IS NULL OR ending_date IS NULL OR starting_date <= ending_date)
);

CREATE TABLE interaction_templates (
    code                code20 PRIMARY KEY,
    group_code          code20 NOT NULL REFERENCES interaction_groups (code) ON UPDATE CASCADE,
    description         TEXT NOT NULL DEFAULT '' CHECK (length(description) <= 100),
    unit_cost           NUMERIC(12, 2) NOT NULL DEFAULT 0 CHECK (unit_cost >= 0),
    unit_duration_min   INTEGER NOT NULL DEFAULT 0 CHECK (unit_duration_min >= 0),
    information_flow    TEXT NOT NULL DEFAULT 'outbound' CHECK (information_flow IN ('outbound', 'inbound')),
    initiated_by        TEXT NOT NULL DEFAULT 'us' CHECK (initiated_by IN ('us', 'them')),
    campaign_no         code20 REFERENCES campaigns (no) ON UPDATE CASCADE,
    campaign_target     BOOLEAN NOT NULL DEFAULT FALSE,
    campaign_response   BOOLEAN NOT NULL DEFAULT FALSE,
    correspondence_type TEXT NOT NULL DEFAULT 'email' CHECK (correspondence_type IN ('', 'hard_copy', 'email')),
    ignore_contact_correspondence_type BOOLEAN NOT NULL DEFAULT FALSE
);

CREATE TABLE segments (
    id                  BIGSERIAL PRIMARY KEY,
    no                  code20 NOT NULL UNIQUE,
    description         TEXT NOT NULL DEFAULT '' CHECK (length(description) <= 100),
    date                DATE NOT NULL DEFAULT CURRENT_DATE,
    salesperson_code    code20 REFERENCES salespeople (code) ON UPDATE CASCADE,
    interaction_template_code code20 REFERENCES interaction_templates (code) ON UPDATE CASCADE,
    campaign_no         code20 REFERENCES campaigns (no) ON UPDATE CASCADE,
    campaign_target     BOOLEAN NOT NULL DEFAULT FALSE,
    campaign_response   BOOLEAN NOT NULL DEFAULT FALSE,
    subject             TEXT NOT NULL DEFAULT '' CHECK (length(subject) <= 100),
    language_code       code20 REFERENCES languages (code) ON UPDATE CASCADE,
    correspondence_type TEXT NOT NULL DEFAULT '' CHECK (correspondence_type IN ('', 'hard_copy', 'email')),
    ignore_contact_correspondence_type BOOLEAN NOT NULL DEFAULT FALSE,
    unit_cost           NUMERIC(12, 2) NOT NULL DEFAULT 0 CHECK (unit_cost >= 0),
    unit_duration_min   INTEGER NOT NULL DEFAULT 0 CHECK (unit_duration_min >= 0),
    information_flow    TEXT NOT NULL DEFAULT 'outbound' CHECK (information_flow IN ('outbound', 'inbound')),
    initiated_by        TEXT NOT NULL DEFAULT 'us' CHECK (initiated_by IN ('us', 'them')),
    status              TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'logged', 'canceled')),
    version             INTEGER NOT NULL DEFAULT 1,
    created_by          BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK (campaign_no IS NOT NULL OR NOT (campaign_target OR campaign_response))
);
CREATE INDEX segments_status ON segments (status, no);

-- The ledger: every change of membership is a step, numbered 1, 2, … per segment.
CREATE TABLE segment_steps (
    id               BIGSERIAL PRIMARY KEY,
    segment_id       BIGINT NOT NULL REFERENCES segments (id) ON DELETE CASCADE,
    seq              INTEGER NOT NULL CHECK (seq >= 1),
    kind             TEXT NOT NULL CHECK (kind IN ('add', 'reduce', 'refine', 'manual_add',
                         'manual_remove', 'reuse_criteria', 'reuse_segment', 'refresh')),
    -- Filters and options, structured (see docs/segments.md, The ledger).
    criteria         JSONB NOT NULL DEFAULT '{}',
    added            BIGINT NOT NULL DEFAULT 0,
    removed          BIGINT NOT NULL DEFAULT 0,
    skipped_excluded BIGINT NOT NULL DEFAULT 0,
    skipped_blocked  BIGINT NOT NULL DEFAULT 0,
    skipped_existing BIGINT NOT NULL DEFAULT 0,
    user_id          BIGINT REFERENCES users (id) ON DELETE SET NULL,
    user_name        TEXT NOT NULL DEFAULT '',
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (segment_id, seq)
);

-- One line per contact (twice only with Allow Existing Contacts). A line remembers the step
-- that added it; a removed line stays, marked with the step that removed it, so that undoing
-- steps is two set-based statements and restores lines exactly, overrides included.
CREATE TABLE segment_lines (
    id                  BIGSERIAL PRIMARY KEY,
    segment_id          BIGINT NOT NULL REFERENCES segments (id) ON DELETE CASCADE,
    -- A contact on a draft segment cannot be deleted (checked by the application); lines of
    -- other segments, and removed lines, go with the contact.
    contact_id          BIGINT NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    added_by_step       INTEGER NOT NULL,
    removed_by_step     INTEGER,
    -- Snapshot for ordering and display: company name, company before persons, name.
    company_name        TEXT NOT NULL DEFAULT '',
    is_person           BOOLEAN NOT NULL DEFAULT FALSE,
    contact_name        TEXT NOT NULL DEFAULT '',
    -- Overrides of the header's interaction fields: NULL means "as on the header".
    salesperson_code    code20 REFERENCES salespeople (code) ON UPDATE CASCADE,
    date                DATE,
    interaction_template_code code20 REFERENCES interaction_templates (code) ON UPDATE CASCADE,
    subject             TEXT CHECK (subject IS NULL OR length(subject) <= 100),
    correspondence_type TEXT CHECK (correspondence_type IS NULL OR correspondence_type IN ('', 'hard_copy', 'email')),
    unit_cost           NUMERIC(12, 2) CHECK (unit_cost IS NULL OR unit_cost >= 0),
    unit_duration_min   INTEGER CHECK (unit_duration_min IS NULL OR unit_duration_min >= 0),
    campaign_target     BOOLEAN,
    campaign_response   BOOLEAN,
    evaluation          TEXT CHECK (evaluation IS NULL OR evaluation IN ('very_positive', 'positive',
                            'neutral', 'negative', 'very_negative')),
    CHECK (removed_by_step IS NULL OR removed_by_step > added_by_step)
);
-- Members, in line order (paging a segment of 200,000 lines reads only the page).
CREATE INDEX segment_lines_members ON segment_lines (segment_id, company_name, is_person, contact_name, id)
    WHERE removed_by_step IS NULL;
CREATE INDEX segment_lines_contact ON segment_lines (segment_id, contact_id) WHERE removed_by_step IS NULL;
CREATE INDEX segment_lines_added ON segment_lines (segment_id, added_by_step);
CREATE INDEX segment_lines_removed ON segment_lines (segment_id, removed_by_step) WHERE removed_by_step IS NOT NULL;
-- A contact's draft segments (contact card, deletion guard).
CREATE INDEX segment_lines_by_contact ON segment_lines (contact_id) WHERE removed_by_step IS NULL;

-- Saved criteria: the filter steps of a ledger, under a code, for everyone.
CREATE TABLE saved_criteria (
    code        code20 PRIMARY KEY,
    description TEXT NOT NULL DEFAULT '' CHECK (length(description) <= 100),
    created_by  BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE TABLE saved_criteria_steps (
    code     code20 NOT NULL REFERENCES saved_criteria (code) ON DELETE CASCADE ON UPDATE CASCADE,
    seq      INTEGER NOT NULL,
    kind     TEXT NOT NULL CHECK (kind IN ('add', 'reduce', 'refine')),
    criteria JSONB NOT NULL,
    PRIMARY KEY (code, seq)
);

-- Interaction log entries: written by logging a segment; read by the Interactions
-- filters of segment steps.
CREATE TABLE interaction_log_entries (
    id                  BIGSERIAL PRIMARY KEY,
    contact_id          BIGINT NOT NULL REFERENCES contacts (id),
    company_id          BIGINT REFERENCES contacts (id),
    at                  TIMESTAMPTZ NOT NULL DEFAULT now(),
    date                DATE NOT NULL DEFAULT CURRENT_DATE,
    template_code       code20 REFERENCES interaction_templates (code) ON UPDATE CASCADE,
    group_code          code20 REFERENCES interaction_groups (code) ON UPDATE CASCADE,
    description         TEXT NOT NULL DEFAULT '',
    cost                NUMERIC(12, 2) NOT NULL DEFAULT 0,
    duration_min        INTEGER NOT NULL DEFAULT 0,
    information_flow    TEXT NOT NULL DEFAULT 'outbound',
    initiated_by        TEXT NOT NULL DEFAULT 'us',
    salesperson_code    code20 REFERENCES salespeople (code) ON UPDATE CASCADE,
    correspondence_type TEXT NOT NULL DEFAULT '',
    evaluation          TEXT NOT NULL DEFAULT '',
    campaign_no         code20 REFERENCES campaigns (no) ON UPDATE CASCADE,
    campaign_target     BOOLEAN NOT NULL DEFAULT FALSE,
    campaign_response   BOOLEAN NOT NULL DEFAULT FALSE,
    segment_id          BIGINT REFERENCES segments (id) ON DELETE SET NULL,
    segment_no          TEXT NOT NULL DEFAULT '',
    user_id             BIGINT REFERENCES users (id) ON DELETE SET NULL,
    canceled            BOOLEAN NOT NULL DEFAULT FALSE,
    attempt_failed      BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX interaction_log_entries_contact ON interaction_log_entries (contact_id, date);
CREATE INDEX interaction_log_entries_segment ON interaction_log_entries (segment_id);
