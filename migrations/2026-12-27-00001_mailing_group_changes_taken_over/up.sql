-- A gain taken over by a later application of the group: undoing an application keeps the
-- group for a contact that a later application (not undone) counts on, and that application
-- now holds the gain, so that its own Undo takes the group back. Not a change the later
-- application made: its counts and who it changed leave these rows out.
ALTER TABLE mailing_group_changes ADD COLUMN taken_over BOOLEAN NOT NULL DEFAULT FALSE;
