-- Back to one probe of the unique index per key.
CREATE OR REPLACE FUNCTION rapport_require_keys(referring TEXT, col TEXT, tbl TEXT, key_col TEXT, keys ANYARRAY)
RETURNS void LANGUAGE plpgsql SET enable_seqscan = off AS $$
DECLARE
    missing TEXT;
BEGIN
    IF keys IS NULL OR cardinality(keys) = 0 THEN
        RETURN;
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
