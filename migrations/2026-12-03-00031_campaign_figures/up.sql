-- A campaign's figures kept (see docs/architecture.md, Campaign figures).
--
-- The card's figures are four exact distinct counts over the campaign's non-canceled entries:
-- 1.4-2.8 s for a campaign of two million entries. They are kept in campaign_figures with the
-- version of the campaign's entries they were computed at. Every statement that writes or
-- changes a campaign's entries bumps campaigns.entries_version once (not once per row): the
-- entries' statement-level insert trigger (which already collects the statement's campaigns)
-- and a statement-level update trigger. A reader uses the kept figures only when their version
-- is the campaign's current one, read in the same snapshot; otherwise it computes them and
-- stores them with the version it read, never over figures of a newer version.

ALTER TABLE campaigns ADD COLUMN entries_version BIGINT NOT NULL DEFAULT 0;

CREATE TABLE campaign_figures (
    campaign_id BIGINT PRIMARY KEY REFERENCES campaigns (id) ON DELETE CASCADE,
    entries_version BIGINT NOT NULL,
    interactions BIGINT NOT NULL,
    contacts BIGINT NOT NULL,
    companies BIGINT NOT NULL,
    targets BIGINT NOT NULL,
    responses BIGINT NOT NULL,
    cost NUMERIC NOT NULL,
    duration_min BIGINT NOT NULL,
    computed_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- One UPDATE of the few campaigns a statement touched (one, for Log Segment, Cancel, Restore
-- or a single interaction). The row lock it takes is held to the end of the writer's
-- transaction: a second writer of the same campaign waits there for the first to commit, after
-- its own entries are written, so versions follow the order of the commits.
CREATE FUNCTION rapport_bump_campaigns(nos TEXT[]) RETURNS void LANGUAGE sql AS $$
    UPDATE campaigns SET entries_version = entries_version + 1 WHERE no = ANY (nos)
$$;

-- The entries' insert check, as in 2026-12-01-000401_entry_references, bumping the statement's
-- campaigns at its end.
CREATE OR REPLACE FUNCTION rapport_check_entry_references() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    contact_ids BIGINT[];
    company_ids BIGINT[];
    templates TEXT[];
    groups TEXT[];
    people TEXT[];
    campaign_nos TEXT[];
    segment_ids BIGINT[];
    user_ids BIGINT[];
    missing TEXT;
    col TEXT;
    tbl TEXT;
BEGIN
    SELECT array_agg(contact_id), array_agg(company_id) FILTER (WHERE company_id IS NOT NULL)
    INTO contact_ids, company_ids FROM new_rows;
    IF contact_ids IS NULL THEN
        RETURN NULL;
    END IF;
    SELECT array_agg(DISTINCT template_code) FILTER (WHERE template_code IS NOT NULL),
           array_agg(DISTINCT group_code) FILTER (WHERE group_code IS NOT NULL),
           array_agg(DISTINCT salesperson_code) FILTER (WHERE salesperson_code IS NOT NULL),
           array_agg(DISTINCT campaign_no) FILTER (WHERE campaign_no IS NOT NULL),
           array_agg(DISTINCT segment_id) FILTER (WHERE segment_id IS NOT NULL),
           array_agg(DISTINCT user_id) FILTER (WHERE user_id IS NOT NULL)
    INTO templates, groups, people, campaign_nos, segment_ids, user_ids
    FROM (SELECT template_code, group_code, salesperson_code, campaign_no, segment_id, user_id
          FROM new_rows GROUP BY 1, 2, 3, 4, 5, 6) g;

    SELECT 'contact_id', 'contacts', k::text INTO col, tbl, missing FROM unnest(contact_ids) k
    WHERE NOT EXISTS (SELECT 1 FROM contacts t WHERE t.id = k) LIMIT 1;
    IF missing IS NULL THEN
        SELECT 'company_id', 'contacts', k::text INTO col, tbl, missing FROM unnest(company_ids) k
        WHERE NOT EXISTS (SELECT 1 FROM contacts t WHERE t.id = k) LIMIT 1;
    END IF;
    IF missing IS NULL THEN
        SELECT 'template_code', 'interaction_templates', k INTO col, tbl, missing FROM unnest(templates) k
        WHERE NOT EXISTS (SELECT 1 FROM interaction_templates t WHERE t.code = k) LIMIT 1;
    END IF;
    IF missing IS NULL THEN
        SELECT 'group_code', 'interaction_groups', k INTO col, tbl, missing FROM unnest(groups) k
        WHERE NOT EXISTS (SELECT 1 FROM interaction_groups t WHERE t.code = k) LIMIT 1;
    END IF;
    IF missing IS NULL THEN
        SELECT 'salesperson_code', 'salespeople', k INTO col, tbl, missing FROM unnest(people) k
        WHERE NOT EXISTS (SELECT 1 FROM salespeople t WHERE t.code = k) LIMIT 1;
    END IF;
    IF missing IS NULL THEN
        SELECT 'campaign_no', 'campaigns', k INTO col, tbl, missing FROM unnest(campaign_nos) k
        WHERE NOT EXISTS (SELECT 1 FROM campaigns t WHERE t.no = k) LIMIT 1;
    END IF;
    IF missing IS NULL THEN
        SELECT 'segment_id', 'segments', k::text INTO col, tbl, missing FROM unnest(segment_ids) k
        WHERE NOT EXISTS (SELECT 1 FROM segments t WHERE t.id = k) LIMIT 1;
    END IF;
    IF missing IS NULL THEN
        SELECT 'user_id', 'users', k::text INTO col, tbl, missing FROM unnest(user_ids) k
        WHERE NOT EXISTS (SELECT 1 FROM users t WHERE t.id = k) LIMIT 1;
    END IF;
    IF missing IS NOT NULL THEN
        RAISE EXCEPTION 'insert or update on table "%" violates its reference to "%"', TG_TABLE_NAME, tbl
            USING ERRCODE = 'foreign_key_violation',
                  DETAIL = format('Key (%s)=(%s) is not present in table "%s".', col, missing, tbl);
    END IF;
    -- The campaigns of the statement have new entries: their figures kept so far are stale.
    PERFORM rapport_bump_campaigns(campaign_nos);
    RETURN NULL;
END
$$;

-- Statement level, after an UPDATE of entries (Cancel and Restore, an evaluation, a renamed
-- campaign passed on to its entries): the campaigns of the changed rows. Only the new rows
-- are read: an entry's campaign changes only by a rename, where the new No. is the campaign's.
CREATE FUNCTION rapport_bump_changed_campaigns() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    nos TEXT[];
BEGIN
    -- A hashed DISTINCT, not array_agg(DISTINCT …), which sorts every row's No. (200,000 rows
    -- of one campaign: 90-110 ms sorted, see BENCHMARKS.md, "Campaign figures kept").
    SELECT array_agg(campaign_no) INTO nos
    FROM (SELECT DISTINCT campaign_no FROM new_rows WHERE campaign_no IS NOT NULL) d;
    IF nos IS NOT NULL THEN
        PERFORM rapport_bump_campaigns(nos);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER interaction_log_entries_campaign_version
    AFTER UPDATE ON interaction_log_entries REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_bump_changed_campaigns();
