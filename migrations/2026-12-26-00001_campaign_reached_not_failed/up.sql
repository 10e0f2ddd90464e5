-- A campaign's contacts and companies reached leave out attempts that failed (Attempt Failed:
-- no answer, the letter came back), as the card's "reached" says; a call campaign of failed
-- attempts counted every one of them reached. The figures kept so far counted them and are
-- dropped, to be counted again (the card counts them when it finds none of the current
-- version).
DELETE FROM campaign_figures;
