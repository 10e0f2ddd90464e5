-- Upper-cased values are kept: the case they were typed in is not known any more.
SELECT 1;
