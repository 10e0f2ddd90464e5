-- A statement that writes many rows referring to whole-number keys lying close together (the
-- opportunities Create Opportunities has just made, which its entries refer to; the contacts
-- of a big segment being logged or turned into opportunities) has them checked by one pass
-- over a stretch of the referenced table's unique index instead of one probe per key.
--
-- The keys' least and greatest values bound a stretch of whole numbers. When the table has
-- as many rows in that stretch as it has numbers, it has every number in it (the column is
-- unique), so every key is there. The stretch is read only when it is at most eight times as
-- long as there are keys; when a number is missing from it (a row deleted, keys far apart),
-- the keys are looked up one by one as before, which still finds the missing key to name.
-- Create Opportunities of 196,228 lines at a million contacts: its two reference checks
-- (contacts, their companies and the codes; the entries' opportunities) take 230 ms this way
-- instead of 540 ms.
CREATE OR REPLACE FUNCTION rapport_require_keys(referring TEXT, col TEXT, tbl TEXT, key_col TEXT, keys ANYARRAY)
RETURNS void LANGUAGE plpgsql SET enable_seqscan = off AS $$
DECLARE
    missing TEXT;
    lo BIGINT;
    hi BIGINT;
    present BIGINT;
BEGIN
    IF keys IS NULL OR cardinality(keys) = 0 THEN
        RETURN;
    END IF;
    IF pg_typeof(keys) = 'bigint[]'::regtype AND cardinality(keys) >= 1000 THEN
        SELECT min(k), max(k) INTO lo, hi FROM unnest(keys) k;
        IF hi - lo < 8 * cardinality(keys)::bigint THEN
            EXECUTE format('SELECT count(*) FROM %1$I t WHERE t.%2$I BETWEEN $1 AND $2', tbl, key_col)
            INTO present USING lo, hi;
            IF present = hi - lo + 1 THEN
                RETURN;
            END IF;
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
