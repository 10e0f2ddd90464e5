-- The code columns of interaction log entries and opportunities that refer to another table
-- (template, group, salesperson, campaign, sales cycle, close code) are plain text. Their
-- values can only be codes of the tables they refer to — the statement-level reference checks
-- hold them there — and those tables' own `code20` columns check the codes' form. Checking it
-- again on every entry cost four domain checks (`upper()` and a regular expression each) per
-- row: about a tenth of Log Segment's time at 200,000 lines, and as much again in Create
-- Opportunities. No row is rewritten; the indexes over these columns are rebuilt.
--
-- The three triggers whose definitions name these columns are set again as they were.
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
        ALTER COLUMN template_code TYPE TEXT,
        ALTER COLUMN group_code TYPE TEXT,
        ALTER COLUMN salesperson_code TYPE TEXT,
        ALTER COLUMN campaign_no TYPE TEXT;
    ALTER TABLE opportunities
        ALTER COLUMN salesperson_code TYPE TEXT,
        ALTER COLUMN campaign_no TYPE TEXT,
        ALTER COLUMN sales_cycle_code TYPE TEXT,
        ALTER COLUMN close_code TYPE TEXT;
    FOREACH def IN ARRAY defs LOOP
        EXECUTE def;
    END LOOP;
END
$$;
