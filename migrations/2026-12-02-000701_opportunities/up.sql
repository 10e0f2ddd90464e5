-- Sales opportunities (SPEC §6a): sales cycles with their stages, close opportunity codes, the
-- opportunities themselves and their entries, the immutable history of every stage change,
-- estimate update, close and reopen.

INSERT INTO number_series (code, description, prefix, width, next_number)
VALUES ('OPPORTUNITY', 'Opportunities', 'OP', 6, 1)
ON CONFLICT (code) DO NOTHING;

CREATE TABLE sales_cycles (
    code                    code20 PRIMARY KEY,
    description             TEXT NOT NULL DEFAULT '' CHECK (length(description) <= 100),
    probability_calculation TEXT NOT NULL DEFAULT 'multiply'
        CHECK (probability_calculation IN ('multiply', 'add', 'chances', 'completed')),
    blocked                 BOOLEAN NOT NULL DEFAULT FALSE
);

CREATE TABLE sales_cycle_stages (
    sales_cycle_code code20 NOT NULL REFERENCES sales_cycles (code) ON UPDATE CASCADE ON DELETE CASCADE,
    stage            INTEGER NOT NULL CHECK (stage BETWEEN 1 AND 999),
    description      TEXT NOT NULL DEFAULT '' CHECK (length(description) <= 100),
    completed_pct    NUMERIC(5, 2) NOT NULL DEFAULT 0 CHECK (completed_pct BETWEEN 0 AND 100),
    chances_pct      NUMERIC(5, 2) NOT NULL DEFAULT 0 CHECK (chances_pct BETWEEN 0 AND 100),
    template_code    code20 REFERENCES interaction_templates (code) ON UPDATE CASCADE,
    quote_required   BOOLEAN NOT NULL DEFAULT FALSE,
    allow_skip       BOOLEAN NOT NULL DEFAULT FALSE,
    date_formula     TEXT NOT NULL DEFAULT '' CHECK (length(date_formula) <= 20),
    PRIMARY KEY (sales_cycle_code, stage)
);

CREATE TABLE close_opportunity_codes (
    code        code20 PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('won', 'lost')),
    description TEXT NOT NULL DEFAULT '' CHECK (length(description) <= 100)
);

CREATE TABLE opportunities (
    id                     BIGSERIAL PRIMARY KEY,
    no                     code20 NOT NULL UNIQUE,
    description            TEXT NOT NULL DEFAULT '' CHECK (length(description) <= 100),
    contact_id             BIGINT NOT NULL REFERENCES contacts (id),
    company_id             BIGINT REFERENCES contacts (id),
    salesperson_code       code20 REFERENCES salespeople (code) ON UPDATE CASCADE,
    campaign_no            code20 REFERENCES campaigns (no) ON UPDATE CASCADE,
    segment_no             code20,
    sales_cycle_code       code20 NOT NULL REFERENCES sales_cycles (code) ON UPDATE CASCADE,
    priority               TEXT NOT NULL DEFAULT 'normal' CHECK (priority IN ('low', 'normal', 'high')),
    status                 TEXT NOT NULL DEFAULT 'not_started'
        CHECK (status IN ('not_started', 'in_progress', 'won', 'lost')),
    current_stage          INTEGER,
    estimated_value        NUMERIC(14, 2) NOT NULL DEFAULT 0 CHECK (estimated_value >= 0),
    chances_pct            NUMERIC(5, 2) NOT NULL DEFAULT 0 CHECK (chances_pct BETWEEN 0 AND 100),
    completed_pct          NUMERIC(5, 2) NOT NULL DEFAULT 0 CHECK (completed_pct BETWEEN 0 AND 100),
    probability_pct        NUMERIC(5, 2) NOT NULL DEFAULT 0 CHECK (probability_pct BETWEEN 0 AND 100),
    current_value          NUMERIC(14, 2) NOT NULL DEFAULT 0,
    estimated_closing_date DATE,
    date_closed            DATE,
    close_code             code20 REFERENCES close_opportunity_codes (code) ON UPDATE CASCADE,
    quote_reference        TEXT NOT NULL DEFAULT '' CHECK (length(quote_reference) <= 100),
    creation_date          DATE NOT NULL DEFAULT CURRENT_DATE,
    created_at             TIMESTAMPTZ NOT NULL DEFAULT now(),
    version                INTEGER NOT NULL DEFAULT 1,
    CHECK ((status IN ('won', 'lost')) = (date_closed IS NOT NULL)),
    CHECK ((status IN ('won', 'lost')) = (close_code IS NOT NULL)),
    -- Not started: on no stage; in progress: on one. A closed one keeps the stage it was on
    -- (none when it was closed before it started).
    CHECK (status <> 'not_started' OR current_stage IS NULL),
    CHECK (status <> 'in_progress' OR current_stage IS NOT NULL)
);

-- Create Opportunities makes one open opportunity per contact and segment, however often it
-- runs and whoever runs it at the same time.
CREATE UNIQUE INDEX opportunities_open_per_segment_contact ON opportunities (segment_no, contact_id)
    WHERE segment_no IS NOT NULL AND status IN ('not_started', 'in_progress');
CREATE INDEX opportunities_contact ON opportunities (contact_id);
CREATE INDEX opportunities_company ON opportunities (company_id);
CREATE INDEX opportunities_status_no ON opportunities (status, no);
CREATE INDEX opportunities_salesperson ON opportunities (salesperson_code, no);
CREATE INDEX opportunities_campaign ON opportunities (campaign_no, no);
CREATE INDEX opportunities_segment ON opportunities (segment_no, no);
CREATE INDEX opportunities_cycle_stage ON opportunities (sales_cycle_code, current_stage);

CREATE TABLE opportunity_entries (
    id                     BIGSERIAL PRIMARY KEY,
    opportunity_id         BIGINT NOT NULL REFERENCES opportunities (id),
    action                 TEXT NOT NULL CHECK (action IN ('created', 'first', 'next', 'previous',
                               'skip', 'jump', 'update', 'won', 'lost', 'reopen')),
    date                   DATE NOT NULL,
    stage_before           INTEGER,
    stage_after            INTEGER,
    status_before          TEXT,
    status_after           TEXT NOT NULL,
    estimated_value_before NUMERIC(14, 2),
    estimated_value        NUMERIC(14, 2) NOT NULL,
    chances_pct_before     NUMERIC(5, 2),
    chances_pct            NUMERIC(5, 2) NOT NULL,
    completed_pct          NUMERIC(5, 2) NOT NULL,
    probability_pct        NUMERIC(5, 2) NOT NULL,
    current_value          NUMERIC(14, 2) NOT NULL,
    estimated_closing_date DATE,
    close_code             TEXT,
    quote_reference        TEXT NOT NULL DEFAULT '',
    user_id                BIGINT REFERENCES users (id) ON DELETE SET NULL,
    user_name              TEXT NOT NULL DEFAULT '',
    at                     TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX opportunity_entries_opportunity ON opportunity_entries (opportunity_id, id);

-- An opportunity entry is a record: the database refuses to change or delete one; a deleted
-- user leaves its entries unlinked (that comes from the key's own trigger).
CREATE FUNCTION rapport_opportunity_entry_is_a_record() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF pg_trigger_depth() > 1 THEN
        RETURN COALESCE(NEW, OLD);
    END IF;
    RAISE EXCEPTION 'opportunity entry % is a record and cannot be changed or deleted', OLD.id
        USING ERRCODE = 'check_violation';
END
$$;

CREATE TRIGGER opportunity_entries_are_records
    BEFORE UPDATE OR DELETE ON opportunity_entries
    FOR EACH ROW EXECUTE FUNCTION rapport_opportunity_entry_is_a_record();
