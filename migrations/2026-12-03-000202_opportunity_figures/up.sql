-- The pipeline's figures kept up to date: the count and the sums of the opportunities of each
-- group (sales cycle, stage, salesperson, campaign, status, date closed), changed by
-- statement-level triggers on opportunities from their transition tables, so the pipeline reads
-- a few hundred groups instead of every opportunity (one GROUP BY over 500,000 opportunities:
-- see BENCHMARKS.md, Opportunities). The key's columns are never NULL so that it can be the
-- primary key: no stage, salesperson or campaign is 0 or '', an open opportunity's date closed
-- is 'infinity'. A group whose opportunities all moved away stays with n = 0.
CREATE TABLE opportunity_figures (
    sales_cycle_code TEXT NOT NULL,
    stage            INTEGER NOT NULL,
    salesperson_code TEXT NOT NULL,
    campaign_no      TEXT NOT NULL,
    status           TEXT NOT NULL,
    date_closed      DATE NOT NULL,
    n                BIGINT NOT NULL,
    estimated        NUMERIC NOT NULL,
    current          NUMERIC NOT NULL,
    PRIMARY KEY (sales_cycle_code, stage, salesperson_code, campaign_no, status, date_closed)
);
CREATE INDEX opportunity_figures_campaign ON opportunity_figures (campaign_no);

-- Statement level, after an insert, update or delete of opportunities: the rows that left
-- (`old_rows`) count minus, the rows that came (`new_rows`) plus, summed per group, in the
-- key's order (two writers lock the groups they share in the same order).
CREATE FUNCTION rapport_opportunity_figures() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO opportunity_figures AS f
        SELECT sales_cycle_code, COALESCE(current_stage, 0), COALESCE(salesperson_code, ''),
               COALESCE(campaign_no, ''), status, COALESCE(date_closed, 'infinity'),
               count(*), sum(estimated_value), sum(current_value)
        FROM new_rows GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6
        ON CONFLICT (sales_cycle_code, stage, salesperson_code, campaign_no, status, date_closed)
        DO UPDATE SET n = f.n + EXCLUDED.n, estimated = f.estimated + EXCLUDED.estimated,
                      current = f.current + EXCLUDED.current;
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE opportunity_figures f
        SET n = f.n - d.n, estimated = f.estimated - d.estimated, current = f.current - d.current
        FROM (SELECT sales_cycle_code, COALESCE(current_stage, 0) AS stage,
                     COALESCE(salesperson_code, '') AS salesperson_code,
                     COALESCE(campaign_no, '') AS campaign_no, status,
                     COALESCE(date_closed, 'infinity') AS date_closed,
                     count(*) AS n, sum(estimated_value) AS estimated, sum(current_value) AS current
              FROM old_rows GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6) d
        WHERE (f.sales_cycle_code, f.stage, f.salesperson_code, f.campaign_no, f.status, f.date_closed)
            = (d.sales_cycle_code, d.stage, d.salesperson_code, d.campaign_no, d.status, d.date_closed);
    ELSE
        INSERT INTO opportunity_figures AS f
        SELECT sales_cycle_code, stage, salesperson_code, campaign_no, status, date_closed,
               sum(n), sum(estimated), sum(current)
        FROM (SELECT sales_cycle_code, COALESCE(current_stage, 0) AS stage,
                     COALESCE(salesperson_code, '') AS salesperson_code,
                     COALESCE(campaign_no, '') AS campaign_no, status,
                     COALESCE(date_closed, 'infinity') AS date_closed,
                     -1 AS n, -estimated_value AS estimated, -current_value AS current
              FROM old_rows
              UNION ALL
              SELECT sales_cycle_code, COALESCE(current_stage, 0), COALESCE(salesperson_code, ''),
                     COALESCE(campaign_no, ''), status, COALESCE(date_closed, 'infinity'),
                     1, estimated_value, current_value
              FROM new_rows) d
        GROUP BY 1, 2, 3, 4, 5, 6
        HAVING sum(n) <> 0 OR sum(estimated) <> 0 OR sum(current) <> 0
        ORDER BY 1, 2, 3, 4, 5, 6
        ON CONFLICT (sales_cycle_code, stage, salesperson_code, campaign_no, status, date_closed)
        DO UPDATE SET n = f.n + EXCLUDED.n, estimated = f.estimated + EXCLUDED.estimated,
                      current = f.current + EXCLUDED.current;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER opportunities_figures_insert
    AFTER INSERT ON opportunities REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_opportunity_figures();
CREATE TRIGGER opportunities_figures_update
    AFTER UPDATE ON opportunities REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_opportunity_figures();
CREATE TRIGGER opportunities_figures_delete
    AFTER DELETE ON opportunities REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_opportunity_figures();

INSERT INTO opportunity_figures
SELECT sales_cycle_code, COALESCE(current_stage, 0), COALESCE(salesperson_code, ''),
       COALESCE(campaign_no, ''), status, COALESCE(date_closed, 'infinity'),
       count(*), sum(estimated_value), sum(current_value)
FROM opportunities GROUP BY 1, 2, 3, 4, 5, 6;

-- What these figures answer, two indexes answered per opportunity: how many opportunities a
-- sales cycle or one of its stages has (the setup pages) and the count of a list filtered by
-- status. Create Opportunities no longer writes them (200,000 entries each).
DROP INDEX opportunities_status_no;
DROP INDEX opportunities_cycle_stage;
