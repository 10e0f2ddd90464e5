DROP TABLE interaction_log_entries;
DROP TABLE saved_criteria_steps;
DROP TABLE saved_criteria;
DROP TABLE segment_lines;
DROP TABLE segment_steps;
DROP TABLE segments;
DROP TABLE interaction_templates;
DROP TABLE campaigns;
