WITH "/etc/passwd" AS (SELECT 1 AS a) SELECT * FROM "/etc/passwd"
