WITH read_csv AS (SELECT 1 AS a) SELECT * FROM read_csv('/etc/hostname')
