-- The three insert checks as 2026-12-03-000201_opportunity_references and
-- 2026-12-03-00031_campaign_figures left them.
CREATE OR REPLACE FUNCTION rapport_check_entry_references()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
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
$function$

;

CREATE OR REPLACE FUNCTION rapport_check_opportunity_references()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
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

    SELECT 'contact_id', 'contacts', k::text INTO col, tbl, missing FROM unnest(contact_ids) k
    WHERE NOT EXISTS (SELECT 1 FROM contacts t WHERE t.id = k) LIMIT 1;
    IF missing IS NULL THEN
        SELECT 'company_id', 'contacts', k::text INTO col, tbl, missing FROM unnest(company_ids) k
        WHERE NOT EXISTS (SELECT 1 FROM contacts t WHERE t.id = k) LIMIT 1;
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
        SELECT 'sales_cycle_code', 'sales_cycles', k INTO col, tbl, missing FROM unnest(cycles) k
        WHERE NOT EXISTS (SELECT 1 FROM sales_cycles t WHERE t.code = k) LIMIT 1;
    END IF;
    IF missing IS NULL THEN
        SELECT 'close_code', 'close_opportunity_codes', k INTO col, tbl, missing FROM unnest(close_codes) k
        WHERE NOT EXISTS (SELECT 1 FROM close_opportunity_codes t WHERE t.code = k) LIMIT 1;
    END IF;
    IF missing IS NOT NULL THEN
        RAISE EXCEPTION 'insert or update on table "%" violates its reference to "%"', TG_TABLE_NAME, tbl
            USING ERRCODE = 'foreign_key_violation',
                  DETAIL = format('Key (%s)=(%s) is not present in table "%s".', col, missing, tbl);
    END IF;
    RETURN NULL;
END
$function$

;

CREATE OR REPLACE FUNCTION rapport_check_opportunity_entry_references()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
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

    SELECT 'opportunity_id', 'opportunities', k::text INTO col, tbl, missing FROM unnest(opportunity_ids) k
    WHERE NOT EXISTS (SELECT 1 FROM opportunities t WHERE t.id = k) LIMIT 1;
    IF missing IS NULL THEN
        SELECT 'user_id', 'users', k::text INTO col, tbl, missing FROM unnest(user_ids) k
        WHERE NOT EXISTS (SELECT 1 FROM users t WHERE t.id = k) LIMIT 1;
    END IF;
    IF missing IS NOT NULL THEN
        RAISE EXCEPTION 'insert or update on table "%" violates its reference to "%"', TG_TABLE_NAME, tbl
            USING ERRCODE = 'foreign_key_violation',
                  DETAIL = format('Key (%s)=(%s) is not present in table "%s".', col, missing, tbl);
    END IF;
    RETURN NULL;
END
$function$

;

DROP FUNCTION rapport_require_keys(TEXT, TEXT, TEXT, TEXT, ANYARRAY);
