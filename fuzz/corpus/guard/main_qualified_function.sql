SELECT main.sum(sales) FROM mart_dyn_sales
