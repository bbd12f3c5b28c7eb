WITH x AS (SELECT getvariable('salesql_secret') AS s) SELECT * FROM x
