SELECT list_filter([1, 2, 3], lambda v: v > (SELECT count(*) FROM salesql_meta))
