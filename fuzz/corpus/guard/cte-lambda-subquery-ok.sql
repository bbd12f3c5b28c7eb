WITH salesql_meta AS (SELECT 1 AS a) SELECT list_transform([1, 2], v -> (SELECT count(*) FROM salesql_meta)) FROM mart_dyn_sales
