-- Nothing to restore: figures deleted by up are counted again when a card is opened.
SELECT 1;
