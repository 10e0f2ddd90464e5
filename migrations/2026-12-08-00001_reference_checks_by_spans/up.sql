-- The statement-level reference checks of interaction log entries, opportunities and
-- opportunity entries read the least and greatest whole-number key of the rows a statement
-- wrote, and how many rows it wrote, straight from those rows: no array of every key is built
-- and unnested to find them.
--
-- A statement's contacts and their companies are all contacts, so they are checked as one
-- stretch: when the contacts have every number between the least and the greatest of both,
-- each of them is there. Only when they do not (a contact deleted in between, keys far apart)
-- are the keys gathered and looked up one by one, which names the missing one.
-- Create Opportunities of 196,228 lines at a million contacts: the opportunities' check takes
-- 100 ms instead of 190 ms, the entries' 66 ms instead of 90 ms.

-- Whether table `tbl` has a row for every whole number from `lo` to `hi` in its unique column
-- `key_col`, so that each of `n` keys lying there is present. The stretch is read only when it
-- is at most eight times as long as there are keys, and there are a thousand or more: otherwise
-- (and when a number is missing) false, and the caller looks the keys up one by one.
CREATE FUNCTION rapport_keys_span_full(tbl TEXT, key_col TEXT, lo BIGINT, hi BIGINT, n BIGINT)
RETURNS boolean LANGUAGE plpgsql SET enable_seqscan = off AS $$
DECLARE
    present BIGINT;
BEGIN
    IF lo IS NULL OR n < 1000 OR hi - lo >= 8 * n THEN
        RETURN false;
    END IF;
    EXECUTE format('SELECT count(*) FROM %1$I t WHERE t.%2$I BETWEEN $1 AND $2', tbl, key_col)
    INTO present USING lo, hi;
    RETURN present = hi - lo + 1;
END
$$;

-- Refuses, as a foreign key would, the first of `keys` (the values of column `col` of the rows
-- `referring` wrote) that table `tbl` has no row for in its column `key_col`, which has a
-- unique index. Nothing when every key is there (or there are none).
CREATE OR REPLACE FUNCTION rapport_require_keys(referring TEXT, col TEXT, tbl TEXT, key_col TEXT, keys ANYARRAY)
RETURNS void LANGUAGE plpgsql SET enable_seqscan = off AS $$
DECLARE
    missing TEXT;
    lo BIGINT;
    hi BIGINT;
BEGIN
    IF keys IS NULL OR cardinality(keys) = 0 THEN
        RETURN;
    END IF;
    IF pg_typeof(keys) = 'bigint[]'::regtype AND cardinality(keys) >= 1000 THEN
        SELECT min(k), max(k) INTO lo, hi FROM unnest(keys) k;
        IF rapport_keys_span_full(tbl, key_col, lo, hi, cardinality(keys)) THEN
            RETURN;
        END IF;
    END IF;
    EXECUTE format('SELECT k::text FROM unnest($1) k '
                   'WHERE (SELECT 1 FROM %1$I t WHERE t.%2$I = k) IS NULL LIMIT 1', tbl, key_col)
    INTO missing USING keys;
    IF missing IS NOT NULL THEN
        RAISE EXCEPTION 'insert or update on table "%" violates its reference to "%"', referring, tbl
            USING ERRCODE = 'foreign_key_violation',
                  DETAIL = format('Key (%s)=(%s) is not present in table "%s".', col, missing, tbl);
    END IF;
END
$$;

CREATE OR REPLACE FUNCTION rapport_check_entry_references() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    lo BIGINT;
    hi BIGINT;
    n BIGINT;
    contact_ids BIGINT[];
    company_ids BIGINT[];
    templates TEXT[];
    groups TEXT[];
    people TEXT[];
    campaign_nos TEXT[];
    segment_ids BIGINT[];
    user_ids BIGINT[];
BEGIN
    SELECT least(min(contact_id), min(company_id)), greatest(max(contact_id), max(company_id)),
           count(*)
    INTO lo, hi, n FROM new_rows;
    IF n = 0 THEN
        RETURN NULL;
    END IF;
    IF NOT rapport_keys_span_full('contacts', 'id', lo, hi, n) THEN
        SELECT array_agg(contact_id), array_agg(company_id) FILTER (WHERE company_id IS NOT NULL)
        INTO contact_ids, company_ids FROM new_rows;
        PERFORM rapport_require_keys(TG_TABLE_NAME, 'contact_id', 'contacts', 'id', contact_ids);
        PERFORM rapport_require_keys(TG_TABLE_NAME, 'company_id', 'contacts', 'id', company_ids);
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

    PERFORM rapport_require_keys(TG_TABLE_NAME, 'template_code', 'interaction_templates', 'code', templates);
    PERFORM rapport_require_keys(TG_TABLE_NAME, 'group_code', 'interaction_groups', 'code', groups);
    PERFORM rapport_require_keys(TG_TABLE_NAME, 'salesperson_code', 'salespeople', 'code', people);
    PERFORM rapport_require_keys(TG_TABLE_NAME, 'campaign_no', 'campaigns', 'no', campaign_nos);
    PERFORM rapport_require_keys(TG_TABLE_NAME, 'segment_id', 'segments', 'id', segment_ids);
    PERFORM rapport_require_keys(TG_TABLE_NAME, 'user_id', 'users', 'id', user_ids);
    -- The campaigns of the statement have new entries: their figures kept so far are stale.
    PERFORM rapport_bump_campaigns(campaign_nos);
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION rapport_check_opportunity_references() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    lo BIGINT;
    hi BIGINT;
    n BIGINT;
    contact_ids BIGINT[];
    company_ids BIGINT[];
    people TEXT[];
    campaign_nos TEXT[];
    cycles TEXT[];
    close_codes TEXT[];
BEGIN
    SELECT least(min(contact_id), min(company_id)), greatest(max(contact_id), max(company_id)),
           count(*)
    INTO lo, hi, n FROM new_rows;
    IF n = 0 THEN
        RETURN NULL;
    END IF;
    IF NOT rapport_keys_span_full('contacts', 'id', lo, hi, n) THEN
        SELECT array_agg(contact_id), array_agg(company_id) FILTER (WHERE company_id IS NOT NULL)
        INTO contact_ids, company_ids FROM new_rows;
        PERFORM rapport_require_keys(TG_TABLE_NAME, 'contact_id', 'contacts', 'id', contact_ids);
        PERFORM rapport_require_keys(TG_TABLE_NAME, 'company_id', 'contacts', 'id', company_ids);
    END IF;
    SELECT array_agg(DISTINCT salesperson_code) FILTER (WHERE salesperson_code IS NOT NULL),
           array_agg(DISTINCT campaign_no) FILTER (WHERE campaign_no IS NOT NULL),
           array_agg(DISTINCT sales_cycle_code),
           array_agg(DISTINCT close_code) FILTER (WHERE close_code IS NOT NULL)
    INTO people, campaign_nos, cycles, close_codes
    FROM (SELECT salesperson_code, campaign_no, sales_cycle_code, close_code
          FROM new_rows GROUP BY 1, 2, 3, 4) g;

    PERFORM rapport_require_keys(TG_TABLE_NAME, 'salesperson_code', 'salespeople', 'code', people);
    PERFORM rapport_require_keys(TG_TABLE_NAME, 'campaign_no', 'campaigns', 'no', campaign_nos);
    PERFORM rapport_require_keys(TG_TABLE_NAME, 'sales_cycle_code', 'sales_cycles', 'code', cycles);
    PERFORM rapport_require_keys(TG_TABLE_NAME, 'close_code', 'close_opportunity_codes', 'code', close_codes);
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION rapport_check_opportunity_entry_references() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    lo BIGINT;
    hi BIGINT;
    n BIGINT;
    opportunity_ids BIGINT[];
    user_ids BIGINT[];
BEGIN
    SELECT min(opportunity_id), max(opportunity_id), count(*) INTO lo, hi, n FROM new_rows;
    IF n = 0 THEN
        RETURN NULL;
    END IF;
    IF NOT rapport_keys_span_full('opportunities', 'id', lo, hi, n) THEN
        SELECT array_agg(opportunity_id) INTO opportunity_ids FROM new_rows;
        PERFORM rapport_require_keys(TG_TABLE_NAME, 'opportunity_id', 'opportunities', 'id', opportunity_ids);
    END IF;
    SELECT array_agg(user_id) INTO user_ids
    FROM (SELECT DISTINCT user_id FROM new_rows WHERE user_id IS NOT NULL) u;
    PERFORM rapport_require_keys(TG_TABLE_NAME, 'user_id', 'users', 'id', user_ids);
    RETURN NULL;
END
$$;
