CREATE INDEX opportunities_status_no ON opportunities (status, no);
CREATE INDEX opportunities_cycle_stage ON opportunities (sales_cycle_code, current_stage);
DROP TRIGGER opportunities_figures_delete ON opportunities;
DROP TRIGGER opportunities_figures_update ON opportunities;
DROP TRIGGER opportunities_figures_insert ON opportunities;
DROP FUNCTION rapport_opportunity_figures();
DROP TABLE opportunity_figures;
