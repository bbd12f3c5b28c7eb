WITH "salesql meta" AS (SELECT 1 AS a) SELECT * FROM "salesql meta"
