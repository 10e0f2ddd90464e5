-- Nothing to undo: composed text is the same text.
SELECT 1;
