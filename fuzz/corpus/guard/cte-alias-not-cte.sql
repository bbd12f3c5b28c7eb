WITH x AS (SELECT 1 AS a) SELECT * FROM x AS salesql_meta, salesql_meta
