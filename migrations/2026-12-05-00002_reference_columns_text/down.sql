-- The referring code columns of interaction log entries and opportunities are code20 again
-- (each value checked), with the three triggers that name them set again as they were.
DO $$
DECLARE
    defs TEXT[];
    def TEXT;
BEGIN
    SELECT array_agg(pg_get_triggerdef(oid)) INTO defs FROM pg_trigger
    WHERE tgname IN ('interaction_log_entries_references_update',
                     'interaction_log_entries_are_records',
                     'opportunities_references_update')
      AND tgrelid IN ('interaction_log_entries'::regclass, 'opportunities'::regclass);
    DROP TRIGGER interaction_log_entries_references_update ON interaction_log_entries;
    DROP TRIGGER interaction_log_entries_are_records ON interaction_log_entries;
    DROP TRIGGER opportunities_references_update ON opportunities;
    ALTER TABLE interaction_log_entries
        ALTER COLUMN template_code TYPE code20,
        ALTER COLUMN group_code TYPE code20,
        ALTER COLUMN salesperson_code TYPE code20,
        ALTER COLUMN campaign_no TYPE code20;
    ALTER TABLE opportunities
        ALTER COLUMN salesperson_code TYPE code20,
        ALTER COLUMN campaign_no TYPE code20,
        ALTER COLUMN sales_cycle_code TYPE code20,
        ALTER COLUMN close_code TYPE code20;
    FOREACH def IN ARRAY defs LOOP
        EXECUTE def;
    END LOOP;
END
$$;
