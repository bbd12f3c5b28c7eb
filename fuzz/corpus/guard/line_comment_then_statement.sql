SELECT 1 -- ;
; DELETE FROM raw_sales