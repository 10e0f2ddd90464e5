ALTER TABLE campaign_figures DROP COLUMN targeted_responses;
