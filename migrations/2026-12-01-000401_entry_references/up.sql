-- Interaction log entries: references checked once per statement instead of once per row, as
-- segment_lines does since 2026-11-29-000006 (its functions are reused here).
--
-- Log Segment writes one entry per line in one INSERT … SELECT. PostgreSQL checks each of the
-- eight foreign keys of an entry with one lookup per inserted row: for 200,000 lines that was
-- most of the statement's time (see BENCHMARKS.md, Interactions). The triggers below enforce
-- the same references with one set-based check per reference and statement, and the
-- referenced tables act as the foreign keys did: contacts, interaction templates and groups,
-- salespeople and campaigns refuse deletion while an entry refers to them and pass a renamed
-- code on to the entries; deleting a segment or a user leaves its entries unlinked (SET NULL).
-- Deleting or renaming a referenced row first waits for the writers of the entries
-- (rapport_lock_referencing), so an entry cannot slip in beside a deletion. The cascaded
-- updates pass the immutability trigger of 2026-11-30-000014 (they run inside a trigger).

ALTER TABLE interaction_log_entries
    DROP CONSTRAINT interaction_log_entries_contact_id_fkey,
    DROP CONSTRAINT interaction_log_entries_company_id_fkey,
    DROP CONSTRAINT interaction_log_entries_template_code_fkey,
    DROP CONSTRAINT interaction_log_entries_group_code_fkey,
    DROP CONSTRAINT interaction_log_entries_salesperson_code_fkey,
    DROP CONSTRAINT interaction_log_entries_campaign_no_fkey,
    DROP CONSTRAINT interaction_log_entries_segment_id_fkey,
    DROP CONSTRAINT interaction_log_entries_user_id_fkey;

-- Arguments: (referencing table, its column, this table's column). Statement level, the deleted
-- rows in the transition table `old_rows`: refused while a referencing row remains.
CREATE FUNCTION rapport_restrict_delete_rows() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    found BOOLEAN;
BEGIN
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %1$I r WHERE r.%2$I IN (SELECT o.%3$I FROM old_rows o))',
                   TG_ARGV[0], TG_ARGV[1], TG_ARGV[2])
    INTO found;
    IF found THEN
        RAISE EXCEPTION 'update or delete on table "%" violates a reference from table "%"',
            TG_TABLE_NAME, TG_ARGV[0]
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END
$$;

-- Arguments as above. Statement level: the referencing rows of the deleted rows lose the link.
CREATE FUNCTION rapport_set_null_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('UPDATE %1$I r SET %2$I = NULL WHERE r.%2$I IN (SELECT o.%3$I FROM old_rows o)',
                   TG_ARGV[0], TG_ARGV[1], TG_ARGV[2]);
    RETURN NULL;
END
$$;

-- Statement level, after an insert: the new entries are the transition table `new_rows`. Two
-- passes over them whatever their number (the general rapport_check_references reads them
-- twice per reference): the contacts and companies as arrays, and the few distinct codes,
-- campaigns, segments and users of the statement by one hash aggregate; then each is looked
-- up in its table.
CREATE FUNCTION rapport_check_entry_references() RETURNS trigger LANGUAGE plpgsql AS $$
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
    RETURN NULL;
END
$$;

CREATE TRIGGER interaction_log_entries_references_insert
    AFTER INSERT ON interaction_log_entries REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_check_entry_references();
-- Only a cascade changes these columns (the immutability trigger refuses anyone else).
CREATE TRIGGER interaction_log_entries_references_update
    AFTER UPDATE OF contact_id, company_id, template_code, group_code, salesperson_code,
        campaign_no, segment_id, user_id ON interaction_log_entries
    FOR EACH ROW
    WHEN (NEW.contact_id IS DISTINCT FROM OLD.contact_id
          OR NEW.company_id IS DISTINCT FROM OLD.company_id
          OR NEW.template_code IS DISTINCT FROM OLD.template_code
          OR NEW.group_code IS DISTINCT FROM OLD.group_code
          OR NEW.salesperson_code IS DISTINCT FROM OLD.salesperson_code
          OR NEW.campaign_no IS DISTINCT FROM OLD.campaign_no
          OR (NEW.segment_id IS DISTINCT FROM OLD.segment_id AND NEW.segment_id IS NOT NULL)
          OR (NEW.user_id IS DISTINCT FROM OLD.user_id AND NEW.user_id IS NOT NULL))
    EXECUTE FUNCTION rapport_check_references(
        'contact_id', 'contacts', 'id',
        'company_id', 'contacts', 'id',
        'template_code', 'interaction_templates', 'code',
        'group_code', 'interaction_groups', 'code',
        'salesperson_code', 'salespeople', 'code',
        'campaign_no', 'campaigns', 'no',
        'segment_id', 'segments', 'id',
        'user_id', 'users', 'id');

-- Deleting or renaming a referenced row waits for the writers of the entries.
CREATE TRIGGER contacts_lock_interaction_log_entries
    BEFORE DELETE ON contacts
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_lock_referencing('interaction_log_entries');
CREATE TRIGGER segments_lock_interaction_log_entries
    BEFORE DELETE ON segments
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_lock_referencing('interaction_log_entries');
CREATE TRIGGER users_lock_interaction_log_entries
    BEFORE DELETE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_lock_referencing('interaction_log_entries');
CREATE TRIGGER salespeople_lock_interaction_log_entries
    BEFORE DELETE OR UPDATE OF code ON salespeople
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_lock_referencing('interaction_log_entries');
CREATE TRIGGER interaction_templates_lock_interaction_log_entries
    BEFORE DELETE OR UPDATE OF code ON interaction_templates
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_lock_referencing('interaction_log_entries');
CREATE TRIGGER interaction_groups_lock_interaction_log_entries
    BEFORE DELETE OR UPDATE OF code ON interaction_groups
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_lock_referencing('interaction_log_entries');
CREATE TRIGGER campaigns_lock_interaction_log_entries
    BEFORE DELETE OR UPDATE OF no ON campaigns
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_lock_referencing('interaction_log_entries');

-- A contact with entries (as the contact or as their company) is not deleted.
CREATE TRIGGER contacts_restrict_interaction_log_entries
    AFTER DELETE ON contacts REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_restrict_delete_rows('interaction_log_entries', 'contact_id', 'id');
CREATE TRIGGER contacts_restrict_interaction_log_entries_company
    AFTER DELETE ON contacts REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_restrict_delete_rows('interaction_log_entries', 'company_id', 'id');
-- A deleted segment or user leaves its entries unlinked.
CREATE TRIGGER segments_unlink_interaction_log_entries
    AFTER DELETE ON segments REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_set_null_rows('interaction_log_entries', 'segment_id', 'id');
CREATE TRIGGER users_unlink_interaction_log_entries
    AFTER DELETE ON users REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_set_null_rows('interaction_log_entries', 'user_id', 'id');
-- Codes: a rename reaches the entries, a code in use is not deleted.
CREATE TRIGGER salespeople_rename_interaction_log_entries
    AFTER UPDATE OF code ON salespeople FOR EACH ROW WHEN (NEW.code IS DISTINCT FROM OLD.code)
    EXECUTE FUNCTION rapport_cascade_update('interaction_log_entries', 'salesperson_code', 'code');
CREATE TRIGGER salespeople_restrict_interaction_log_entries
    AFTER DELETE ON salespeople REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_restrict_delete_rows('interaction_log_entries', 'salesperson_code', 'code');
CREATE TRIGGER interaction_templates_rename_interaction_log_entries
    AFTER UPDATE OF code ON interaction_templates FOR EACH ROW WHEN (NEW.code IS DISTINCT FROM OLD.code)
    EXECUTE FUNCTION rapport_cascade_update('interaction_log_entries', 'template_code', 'code');
CREATE TRIGGER interaction_templates_restrict_interaction_log_entries
    AFTER DELETE ON interaction_templates REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_restrict_delete_rows('interaction_log_entries', 'template_code', 'code');
CREATE TRIGGER interaction_groups_rename_interaction_log_entries
    AFTER UPDATE OF code ON interaction_groups FOR EACH ROW WHEN (NEW.code IS DISTINCT FROM OLD.code)
    EXECUTE FUNCTION rapport_cascade_update('interaction_log_entries', 'group_code', 'code');
CREATE TRIGGER interaction_groups_restrict_interaction_log_entries
    AFTER DELETE ON interaction_groups REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_restrict_delete_rows('interaction_log_entries', 'group_code', 'code');
CREATE TRIGGER campaigns_rename_interaction_log_entries
    AFTER UPDATE OF no ON campaigns FOR EACH ROW WHEN (NEW.no IS DISTINCT FROM OLD.no)
    EXECUTE FUNCTION rapport_cascade_update('interaction_log_entries', 'campaign_no', 'no');
CREATE TRIGGER campaigns_restrict_interaction_log_entries
    AFTER DELETE ON campaigns REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_restrict_delete_rows('interaction_log_entries', 'campaign_no', 'no');
