WITH salesql_meta AS (SELECT list_transform([1], v -> (SELECT count(*) FROM salesql_meta)) AS n) SELECT * FROM salesql_meta
