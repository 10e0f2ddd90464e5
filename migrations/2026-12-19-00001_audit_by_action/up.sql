-- The audit trail of one action, newest first, and the list of actions (read by skipping from
-- one action to the next) without reading the whole trail.
CREATE INDEX audit_log_action_at ON audit_log (action, at DESC, id DESC);
