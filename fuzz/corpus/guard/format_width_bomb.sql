SELECT format('{:>1000000000}', region) FROM mart_dyn_sales
