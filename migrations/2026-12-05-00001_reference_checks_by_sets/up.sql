-- The statement-level reference checks of interaction log entries, opportunities and
-- opportunity entries look each key up in its table's unique index, whatever the planner
-- believes of the table's size.
--
-- They looked the keys up with `unnest(keys) k WHERE NOT EXISTS (SELECT 1 FROM t WHERE t.id = k)`.
-- When the planner believes the referenced table nearly empty — which it does of opportunities
-- when autovacuum has just counted a table of rolled-back rows while Create Opportunities is
-- inserting 200,000 — that anti-join reads the whole table once per key: one pass over every
-- new opportunity per new entry, minutes instead of a third of a second. Now each key is
-- looked up by a subquery of its own, which cannot become a join, with sequential scans ruled
-- out: one probe of the unique index per key, whatever the statistics say.

-- The first of `keys` that table `tbl` has no row for in its column `col`, as text; NULL when
-- every key is there (or there are none). `col` has a unique index.
CREATE FUNCTION rapport_first_missing(tbl TEXT, col TEXT, keys ANYARRAY) RETURNS TEXT
LANGUAGE plpgsql SET enable_seqscan = off AS $$
DECLARE
    missing TEXT;
BEGIN
    IF keys IS NULL OR cardinality(keys) = 0 THEN
        RETURN NULL;
    END IF;
    EXECUTE format('SELECT k::text FROM unnest($1) k '
                   'WHERE (SELECT 1 FROM %1$I t WHERE t.%2$I = k) IS NULL LIMIT 1', tbl, col)
    INTO missing USING keys;
    RETURN missing;
END
$$;

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

    col := 'contact_id'; tbl := 'contacts';
    missing := rapport_first_missing('contacts', 'id', contact_ids);
    IF missing IS NULL THEN
        col := 'company_id'; tbl := 'contacts';
        missing := rapport_first_missing('contacts', 'id', company_ids);
    END IF;
    IF missing IS NULL THEN
        col := 'template_code'; tbl := 'interaction_templates';
        missing := rapport_first_missing(tbl, 'code', templates);
    END IF;
    IF missing IS NULL THEN
        col := 'group_code'; tbl := 'interaction_groups';
        missing := rapport_first_missing(tbl, 'code', groups);
    END IF;
    IF missing IS NULL THEN
        col := 'salesperson_code'; tbl := 'salespeople';
        missing := rapport_first_missing(tbl, 'code', people);
    END IF;
    IF missing IS NULL THEN
        col := 'campaign_no'; tbl := 'campaigns';
        missing := rapport_first_missing(tbl, 'no', campaign_nos);
    END IF;
    IF missing IS NULL THEN
        col := 'segment_id'; tbl := 'segments';
        missing := rapport_first_missing(tbl, 'id', segment_ids);
    END IF;
    IF missing IS NULL THEN
        col := 'user_id'; tbl := 'users';
        missing := rapport_first_missing(tbl, 'id', user_ids);
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

CREATE OR REPLACE FUNCTION rapport_check_opportunity_references() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    contact_ids BIGINT[];
    company_ids BIGINT[];
    people TEXT[];
    campaign_nos TEXT[];
    cycles TEXT[];
    close_codes TEXT[];
    missing TEXT;
    col TEXT;
    tbl TEXT;
BEGIN
    SELECT array_agg(contact_id), array_agg(company_id) FILTER (WHERE company_id IS NOT NULL)
    INTO contact_ids, company_ids FROM new_rows;
    IF contact_ids IS NULL THEN
        RETURN NULL;
    END IF;
    SELECT array_agg(DISTINCT salesperson_code) FILTER (WHERE salesperson_code IS NOT NULL),
           array_agg(DISTINCT campaign_no) FILTER (WHERE campaign_no IS NOT NULL),
           array_agg(DISTINCT sales_cycle_code),
           array_agg(DISTINCT close_code) FILTER (WHERE close_code IS NOT NULL)
    INTO people, campaign_nos, cycles, close_codes
    FROM (SELECT salesperson_code, campaign_no, sales_cycle_code, close_code
          FROM new_rows GROUP BY 1, 2, 3, 4) g;

    col := 'contact_id'; tbl := 'contacts';
    missing := rapport_first_missing('contacts', 'id', contact_ids);
    IF missing IS NULL THEN
        col := 'company_id'; tbl := 'contacts';
        missing := rapport_first_missing('contacts', 'id', company_ids);
    END IF;
    IF missing IS NULL THEN
        col := 'salesperson_code'; tbl := 'salespeople';
        missing := rapport_first_missing(tbl, 'code', people);
    END IF;
    IF missing IS NULL THEN
        col := 'campaign_no'; tbl := 'campaigns';
        missing := rapport_first_missing(tbl, 'no', campaign_nos);
    END IF;
    IF missing IS NULL THEN
        col := 'sales_cycle_code'; tbl := 'sales_cycles';
        missing := rapport_first_missing(tbl, 'code', cycles);
    END IF;
    IF missing IS NULL THEN
        col := 'close_code'; tbl := 'close_opportunity_codes';
        missing := rapport_first_missing(tbl, 'code', close_codes);
    END IF;
    IF missing IS NOT NULL THEN
        RAISE EXCEPTION 'insert or update on table "%" violates its reference to "%"', TG_TABLE_NAME, tbl
            USING ERRCODE = 'foreign_key_violation',
                  DETAIL = format('Key (%s)=(%s) is not present in table "%s".', col, missing, tbl);
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION rapport_check_opportunity_entry_references() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    opportunity_ids BIGINT[];
    user_ids BIGINT[];
    missing TEXT;
    col TEXT;
    tbl TEXT;
BEGIN
    SELECT array_agg(opportunity_id) INTO opportunity_ids FROM new_rows;
    IF opportunity_ids IS NULL THEN
        RETURN NULL;
    END IF;
    SELECT array_agg(user_id) INTO user_ids
    FROM (SELECT DISTINCT user_id FROM new_rows WHERE user_id IS NOT NULL) u;

    col := 'opportunity_id'; tbl := 'opportunities';
    missing := rapport_first_missing(tbl, 'id', opportunity_ids);
    IF missing IS NULL THEN
        col := 'user_id'; tbl := 'users';
        missing := rapport_first_missing(tbl, 'id', user_ids);
    END IF;
    IF missing IS NOT NULL THEN
        RAISE EXCEPTION 'insert or update on table "%" violates its reference to "%"', TG_TABLE_NAME, tbl
            USING ERRCODE = 'foreign_key_violation',
                  DETAIL = format('Key (%s)=(%s) is not present in table "%s".', col, missing, tbl);
    END IF;
    RETURN NULL;
END
$$;
