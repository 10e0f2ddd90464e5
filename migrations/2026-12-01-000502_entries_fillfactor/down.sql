ALTER TABLE interaction_log_entries RESET (fillfactor);
