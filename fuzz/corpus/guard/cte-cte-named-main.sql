WITH main AS (SELECT 1 AS a) SELECT * FROM main.salesql_meta
