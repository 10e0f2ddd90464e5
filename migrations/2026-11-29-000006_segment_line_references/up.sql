-- Segment lines: references checked once per statement instead of once per row.
--
-- A segment step inserts or marks hundreds of thousands of lines in one statement. PostgreSQL
-- checks a FOREIGN KEY with one lookup per inserted row; for 196,228 lines the four foreign keys
-- of segment_lines cost 1.9–2.2 s of a 4.1 s INSERT (segment 0.7 s, contact 1.2 s, the two
-- override codes, NULL on insert, 0.3 s). The triggers below enforce the same references with
-- set-based statements per reference and per statement, and the referenced tables cascade or
-- refuse as the foreign keys did (contacts and segments: ON DELETE CASCADE; salespeople and
-- interaction templates: ON UPDATE CASCADE, deletion refused while referenced). Deleting or
-- renaming a referenced row first waits for the writers of segment_lines (see
-- rapport_lock_referencing), so a line cannot slip in beside a deletion.

ALTER TABLE segment_lines
    DROP CONSTRAINT segment_lines_segment_id_fkey,
    DROP CONSTRAINT segment_lines_contact_id_fkey,
    DROP CONSTRAINT segment_lines_salesperson_code_fkey,
    DROP CONSTRAINT segment_lines_interaction_template_code_fkey;

-- Arguments: triples (column, referenced table, referenced column). Statement level: the rows
-- are the transition table `new_rows`; row level: NEW.
CREATE FUNCTION rapport_check_references() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    i INTEGER := 0;
    rows_in BIGINT;
    wanted BIGINT;
    found BIGINT;
    missing TEXT;
    nestloop TEXT := current_setting('enable_nestloop');
BEGIN
    IF TG_LEVEL = 'STATEMENT' THEN
        SELECT count(*) INTO rows_in FROM new_rows;
        IF rows_in = 0 THEN
            RETURN NULL;
        END IF;
        -- A transition table has no statistics: the planner would guess 200 rows and look the
        -- keys up one by one. Past a thousand rows, one hash join is the faster plan.
        IF rows_in > 1000 THEN
            PERFORM set_config('enable_nestloop', 'off', true);
        END IF;
    END IF;
    WHILE i + 2 < TG_NARGS LOOP
        missing := NULL;
        IF TG_LEVEL = 'STATEMENT' THEN
            EXECUTE format('SELECT count(*) FROM (SELECT DISTINCT %1$I FROM new_rows WHERE %1$I IS NOT NULL) w',
                           TG_ARGV[i])
            INTO wanted;
            IF wanted > 0 THEN
                EXECUTE format('SELECT count(*) FROM %2$I t WHERE t.%3$I IN (SELECT %1$I FROM new_rows)',
                               TG_ARGV[i], TG_ARGV[i + 1], TG_ARGV[i + 2])
                INTO found;
                IF found < wanted THEN
                    EXECUTE format(
                        'SELECT n.%1$I::text FROM new_rows n WHERE n.%1$I IS NOT NULL AND NOT EXISTS '
                        '(SELECT 1 FROM %2$I t WHERE t.%3$I = n.%1$I) LIMIT 1',
                        TG_ARGV[i], TG_ARGV[i + 1], TG_ARGV[i + 2])
                    INTO missing;
                END IF;
            END IF;
        ELSE
            EXECUTE format(
                'SELECT ($1).%1$I::text WHERE ($1).%1$I IS NOT NULL AND NOT EXISTS '
                '(SELECT 1 FROM %2$I t WHERE t.%3$I = ($1).%1$I)',
                TG_ARGV[i], TG_ARGV[i + 1], TG_ARGV[i + 2])
            INTO missing USING NEW;
        END IF;
        IF missing IS NOT NULL THEN
            RAISE EXCEPTION 'insert or update on table "%" violates its reference to "%"',
                TG_TABLE_NAME, TG_ARGV[i + 1]
                USING ERRCODE = 'foreign_key_violation',
                      DETAIL = format('Key (%s)=(%s) is not present in table "%s".',
                                      TG_ARGV[i], missing, TG_ARGV[i + 1]);
        END IF;
        i := i + 3;
    END LOOP;
    PERFORM set_config('enable_nestloop', nestloop, true);
    RETURN NULL;
END
$$;

-- Argument: the referencing table. Before a statement deletes (or renames) referenced rows, it
-- waits for the transactions writing to the referencing table and keeps new writers out until
-- it ends; the referencing rows it then cascades to or refuses over include theirs. (A foreign
-- key gets the same by locking every referenced row FOR KEY SHARE, which for a segment step
-- costs more than the check itself.)
CREATE FUNCTION rapport_lock_referencing() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('LOCK TABLE %I IN SHARE ROW EXCLUSIVE MODE', TG_ARGV[0]);
    RETURN NULL;
END
$$;

-- Arguments: (referencing table, its column, this table's column). Statement level, the deleted
-- rows in the transition table `old_rows`: their referencing rows are deleted too.
CREATE FUNCTION rapport_cascade_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('DELETE FROM %1$I r WHERE r.%2$I IN (SELECT o.%3$I FROM old_rows o)',
                   TG_ARGV[0], TG_ARGV[1], TG_ARGV[2]);
    RETURN NULL;
END
$$;

-- Arguments as above. Row level, after an update of the key: the referencing rows follow.
CREATE FUNCTION rapport_cascade_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('UPDATE %1$I SET %2$I = ($1).%3$I WHERE %2$I = ($2).%3$I',
                   TG_ARGV[0], TG_ARGV[1], TG_ARGV[2])
    USING NEW, OLD;
    RETURN NULL;
END
$$;

-- Arguments as above. Row level, after a delete: refused while a row still refers to it.
CREATE FUNCTION rapport_restrict_delete() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    found BOOLEAN;
BEGIN
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %1$I r WHERE r.%2$I = ($1).%3$I)',
                   TG_ARGV[0], TG_ARGV[1], TG_ARGV[2])
    INTO found USING OLD;
    IF found THEN
        RAISE EXCEPTION 'update or delete on table "%" violates a reference from table "%"',
            TG_TABLE_NAME, TG_ARGV[0]
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER segment_lines_references_insert
    AFTER INSERT ON segment_lines REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_check_references(
        'segment_id', 'segments', 'id',
        'contact_id', 'contacts', 'id',
        'salesperson_code', 'salespeople', 'code',
        'interaction_template_code', 'interaction_templates', 'code');
-- Updates that mark lines removed or restored do not name these columns and skip the check.
CREATE TRIGGER segment_lines_references_update
    AFTER UPDATE OF segment_id, contact_id, salesperson_code, interaction_template_code ON segment_lines
    FOR EACH ROW
    WHEN (NEW.segment_id IS DISTINCT FROM OLD.segment_id
          OR NEW.contact_id IS DISTINCT FROM OLD.contact_id
          OR NEW.salesperson_code IS DISTINCT FROM OLD.salesperson_code
          OR NEW.interaction_template_code IS DISTINCT FROM OLD.interaction_template_code)
    EXECUTE FUNCTION rapport_check_references(
        'segment_id', 'segments', 'id',
        'contact_id', 'contacts', 'id',
        'salesperson_code', 'salespeople', 'code',
        'interaction_template_code', 'interaction_templates', 'code');

CREATE TRIGGER contacts_lock_segment_lines
    BEFORE DELETE ON contacts FOR EACH STATEMENT EXECUTE FUNCTION rapport_lock_referencing('segment_lines');
CREATE TRIGGER segments_lock_segment_lines
    BEFORE DELETE ON segments FOR EACH STATEMENT EXECUTE FUNCTION rapport_lock_referencing('segment_lines');
CREATE TRIGGER salespeople_lock_segment_lines
    BEFORE DELETE OR UPDATE OF code ON salespeople
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_lock_referencing('segment_lines');
CREATE TRIGGER interaction_templates_lock_segment_lines
    BEFORE DELETE OR UPDATE OF code ON interaction_templates
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_lock_referencing('segment_lines');
CREATE TRIGGER contacts_delete_segment_lines
    AFTER DELETE ON contacts REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_cascade_delete('segment_lines', 'contact_id', 'id');
CREATE TRIGGER segments_delete_segment_lines
    AFTER DELETE ON segments REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_cascade_delete('segment_lines', 'segment_id', 'id');
CREATE TRIGGER salespeople_rename_segment_lines
    AFTER UPDATE OF code ON salespeople FOR EACH ROW WHEN (NEW.code IS DISTINCT FROM OLD.code)
    EXECUTE FUNCTION rapport_cascade_update('segment_lines', 'salesperson_code', 'code');
CREATE TRIGGER salespeople_delete_segment_lines
    AFTER DELETE ON salespeople FOR EACH ROW
    EXECUTE FUNCTION rapport_restrict_delete('segment_lines', 'salesperson_code', 'code');
CREATE TRIGGER interaction_templates_rename_segment_lines
    AFTER UPDATE OF code ON interaction_templates FOR EACH ROW WHEN (NEW.code IS DISTINCT FROM OLD.code)
    EXECUTE FUNCTION rapport_cascade_update('segment_lines', 'interaction_template_code', 'code');
CREATE TRIGGER interaction_templates_delete_segment_lines
    AFTER DELETE ON interaction_templates FOR EACH ROW
    EXECUTE FUNCTION rapport_restrict_delete('segment_lines', 'interaction_template_code', 'code');

-- One index by contact instead of two: the contact's segments (card, deletion guard), "already
-- on the segment" lookups, and the cascade above (which must reach removed lines too).
DROP INDEX segment_lines_contact;
DROP INDEX segment_lines_by_contact;
CREATE INDEX segment_lines_contact ON segment_lines (contact_id, segment_id);

-- Companies with their names: a person's company name (line order, previews) is looked up in
-- this small index instead of the whole contacts table.
CREATE INDEX contacts_companies ON contacts (id) INCLUDE (name) WHERE type = 'company';

-- A contact's company, or the contact itself: what Entire Companies groups by. With it, the
-- test "another contact of this member's company matches" is an index lookup whatever plan
-- the planner picks (without it, a nested loop over fresh lines read every contact per line).
CREATE INDEX contacts_company_or_self ON contacts ((COALESCE(company_key, id)));
