SELECT * FROM hidden.mart_dyn_sales
