DROP INDEX segment_lines_own_values;
DROP TRIGGER segment_lines_totals_delete ON segment_lines;
DROP TRIGGER segment_lines_totals_update ON segment_lines;
DROP TRIGGER segment_lines_totals_insert ON segment_lines;
DROP FUNCTION rapport_count_segment_lines();
DROP TABLE segment_line_counts;
