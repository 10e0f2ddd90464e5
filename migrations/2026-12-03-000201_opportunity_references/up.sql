-- Opportunities and their entries: references checked once per statement instead of once per
-- row, as segment_lines (2026-11-29-000006) and the interaction log entries
-- (2026-12-01-000401) do, whose functions are reused here; and the pipeline's figures kept per
-- group by statement-level triggers.
--
-- Create Opportunities writes one opportunity and one entry per segment line in one
-- statement. PostgreSQL checks each foreign key with one lookup per inserted row: six keys of
-- an opportunity and two of its entry. The triggers below enforce the same references with one
-- set-based check per reference and statement, and the referenced tables act as the keys did:
-- contacts, salespeople, campaigns, sales cycles and close codes refuse deletion while an
-- opportunity refers to them and pass a renamed code on to the opportunities; an opportunity
-- with entries is not deleted; a deleted user leaves its entries unlinked (SET NULL; the
-- update passes the entries' immutability trigger since it runs inside a trigger). Deleting
-- or renaming a referenced row first waits for the writers of the referencing table
-- (rapport_lock_referencing), so a row cannot slip in beside a deletion.

ALTER TABLE opportunities
    DROP CONSTRAINT opportunities_contact_id_fkey,
    DROP CONSTRAINT opportunities_company_id_fkey,
    DROP CONSTRAINT opportunities_salesperson_code_fkey,
    DROP CONSTRAINT opportunities_campaign_no_fkey,
    DROP CONSTRAINT opportunities_sales_cycle_code_fkey,
    DROP CONSTRAINT opportunities_close_code_fkey;
ALTER TABLE opportunity_entries
    DROP CONSTRAINT opportunity_entries_opportunity_id_fkey,
    DROP CONSTRAINT opportunity_entries_user_id_fkey;

-- Statement level, after an insert into opportunities (`new_rows`): two passes over the new
-- rows whatever their number (the contacts and companies as arrays, the few distinct codes of
-- the statement by one hash aggregate), then each value is looked up in its table.
CREATE FUNCTION rapport_check_opportunity_references() RETURNS trigger LANGUAGE plpgsql AS $$
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
$$;

-- The same for the entries: their opportunities as an array, their few users.
CREATE FUNCTION rapport_check_opportunity_entry_references() RETURNS trigger LANGUAGE plpgsql AS $$
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
$$;

CREATE TRIGGER opportunities_references_insert
    AFTER INSERT ON opportunities REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_check_opportunity_references();
-- An opportunity changes one at a time (its card, a close, a renamed code): checked per row,
-- only when a reference changes.
CREATE TRIGGER opportunities_references_update
    AFTER UPDATE OF contact_id, company_id, salesperson_code, campaign_no, sales_cycle_code,
        close_code ON opportunities
    FOR EACH ROW
    WHEN (NEW.contact_id IS DISTINCT FROM OLD.contact_id
          OR NEW.company_id IS DISTINCT FROM OLD.company_id
          OR NEW.salesperson_code IS DISTINCT FROM OLD.salesperson_code
          OR NEW.campaign_no IS DISTINCT FROM OLD.campaign_no
          OR NEW.sales_cycle_code IS DISTINCT FROM OLD.sales_cycle_code
          OR NEW.close_code IS DISTINCT FROM OLD.close_code)
    EXECUTE FUNCTION rapport_check_references(
        'contact_id', 'contacts', 'id',
        'company_id', 'contacts', 'id',
        'salesperson_code', 'salespeople', 'code',
        'campaign_no', 'campaigns', 'no',
        'sales_cycle_code', 'sales_cycles', 'code',
        'close_code', 'close_opportunity_codes', 'code');

CREATE TRIGGER opportunity_entries_references_insert
    AFTER INSERT ON opportunity_entries REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_check_opportunity_entry_references();
-- Only a cascade changes these columns (the immutability trigger refuses anyone else).
CREATE TRIGGER opportunity_entries_references_update
    AFTER UPDATE OF opportunity_id, user_id ON opportunity_entries
    FOR EACH ROW
    WHEN (NEW.opportunity_id IS DISTINCT FROM OLD.opportunity_id
          OR (NEW.user_id IS DISTINCT FROM OLD.user_id AND NEW.user_id IS NOT NULL))
    EXECUTE FUNCTION rapport_check_references(
        'opportunity_id', 'opportunities', 'id',
        'user_id', 'users', 'id');

-- Deleting or renaming a referenced row waits for the writers of the referencing table.
CREATE TRIGGER contacts_lock_opportunities
    BEFORE DELETE ON contacts
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_lock_referencing('opportunities');
CREATE TRIGGER salespeople_lock_opportunities
    BEFORE DELETE OR UPDATE OF code ON salespeople
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_lock_referencing('opportunities');
CREATE TRIGGER campaigns_lock_opportunities
    BEFORE DELETE OR UPDATE OF no ON campaigns
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_lock_referencing('opportunities');
CREATE TRIGGER sales_cycles_lock_opportunities
    BEFORE DELETE OR UPDATE OF code ON sales_cycles
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_lock_referencing('opportunities');
CREATE TRIGGER close_opportunity_codes_lock_opportunities
    BEFORE DELETE OR UPDATE OF code ON close_opportunity_codes
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_lock_referencing('opportunities');
CREATE TRIGGER opportunities_lock_opportunity_entries
    BEFORE DELETE ON opportunities
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_lock_referencing('opportunity_entries');
CREATE TRIGGER users_lock_opportunity_entries
    BEFORE DELETE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_lock_referencing('opportunity_entries');

-- A contact with opportunities (as the contact or as their company) is not deleted, nor an
-- opportunity with entries.
CREATE TRIGGER contacts_restrict_opportunities
    AFTER DELETE ON contacts REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_restrict_delete_rows('opportunities', 'contact_id', 'id');
CREATE TRIGGER contacts_restrict_opportunities_company
    AFTER DELETE ON contacts REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_restrict_delete_rows('opportunities', 'company_id', 'id');
CREATE TRIGGER opportunities_restrict_opportunity_entries
    AFTER DELETE ON opportunities REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_restrict_delete_rows('opportunity_entries', 'opportunity_id', 'id');
-- A deleted user leaves its entries unlinked.
CREATE TRIGGER users_unlink_opportunity_entries
    AFTER DELETE ON users REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_set_null_rows('opportunity_entries', 'user_id', 'id');
-- Codes: a rename reaches the opportunities, a code in use is not deleted.
CREATE TRIGGER salespeople_rename_opportunities
    AFTER UPDATE OF code ON salespeople FOR EACH ROW WHEN (NEW.code IS DISTINCT FROM OLD.code)
    EXECUTE FUNCTION rapport_cascade_update('opportunities', 'salesperson_code', 'code');
CREATE TRIGGER salespeople_restrict_opportunities
    AFTER DELETE ON salespeople REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_restrict_delete_rows('opportunities', 'salesperson_code', 'code');
CREATE TRIGGER campaigns_rename_opportunities
    AFTER UPDATE OF no ON campaigns FOR EACH ROW WHEN (NEW.no IS DISTINCT FROM OLD.no)
    EXECUTE FUNCTION rapport_cascade_update('opportunities', 'campaign_no', 'no');
CREATE TRIGGER campaigns_restrict_opportunities
    AFTER DELETE ON campaigns REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_restrict_delete_rows('opportunities', 'campaign_no', 'no');
CREATE TRIGGER sales_cycles_rename_opportunities
    AFTER UPDATE OF code ON sales_cycles FOR EACH ROW WHEN (NEW.code IS DISTINCT FROM OLD.code)
    EXECUTE FUNCTION rapport_cascade_update('opportunities', 'sales_cycle_code', 'code');
CREATE TRIGGER sales_cycles_restrict_opportunities
    AFTER DELETE ON sales_cycles REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_restrict_delete_rows('opportunities', 'sales_cycle_code', 'code');
CREATE TRIGGER close_opportunity_codes_rename_opportunities
    AFTER UPDATE OF code ON close_opportunity_codes FOR EACH ROW WHEN (NEW.code IS DISTINCT FROM OLD.code)
    EXECUTE FUNCTION rapport_cascade_update('opportunities', 'close_code', 'code');
CREATE TRIGGER close_opportunity_codes_restrict_opportunities
    AFTER DELETE ON close_opportunity_codes REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_restrict_delete_rows('opportunities', 'close_code', 'code');
