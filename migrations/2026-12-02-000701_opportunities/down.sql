DROP TABLE opportunity_entries;
DROP FUNCTION rapport_opportunity_entry_is_a_record();
DROP TABLE opportunities;
DROP TABLE close_opportunity_codes;
DROP TABLE sales_cycle_stages;
DROP TABLE sales_cycles;
DELETE FROM number_series WHERE code = 'OPPORTUNITY';
