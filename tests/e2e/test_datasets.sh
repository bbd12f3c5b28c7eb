# Every shared data set loads as published (Windows-1252, cp850, Latin-1, UTF-8; quoted
# commas; M/D/YYYY and M/D/YYYY H:MM dates; "NA" as data; money as text) with the right
# row counts, numbers, dates and text, checked against totals computed independently
# (Python's csv module over the raw files).
. "$(dirname "$0")/lib.sh"

# Each loads without a warning: a warning means something was lost on the way (the
# statistics of AdventureWorks' three sales files, whose dates are text, once were).
for ds in superstore auto_sales northwind adventureworks classicmodels; do
    expect_status "ingest $ds" 0 "$SALESQL" ingest --quiet --data "$DATASETS/$ds" --db "$WORK/$ds.duckdb"
    CHECKS=$((CHECKS + 1))
    if grep -q "warning" "$WORK/err"; then
        fail "ingest $ds warned: $(head -c 400 "$WORK/err")"
    fi
done

# The semantic model, as `salesql schema` shows it to people and to programs.
C="$DATASETS/classicmodels"; CDB="$WORK/classicmodels.duckdb"
expect_status "schema text classicmodels" 0 "$SALESQL" schema --data "$C" --db "$CDB"
contains "model entity" "$WORK/out" "employee           mart_dyn_employees, key employee_number, named by first_name + last_name"
contains "model link role" "$WORK/out" "link: customer.sales_rep_employee_number -> employee (its sales rep)"
contains "model self link" "$WORK/out" "link: employee.reports_to -> employee (its manager)"
contains "model revenue" "$WORK/out" "measure: revenue of order detail, money, sum = quantity_ordered × price_each"
contains "model late" "$WORK/out" "date: order.shipped_date (shipped; late = shipped_date > required_date)"
expect_status "schema json classicmodels" 0 "$SALESQL" schema --format json --data "$C" --db "$CDB"
contains "model json cost" "$WORK/out" '"sql": "m.\"quantity_ordered\" * j.\"buy_price\""'

S="$DATASETS/superstore"; SDB="$WORK/superstore.duckdb"
check "superstore rows" 9994 "$S" "$SDB" "SELECT count(*) FROM mart_dyn_sample_superstore"
check "superstore sales" 2297200.86 "$S" "$SDB" "SELECT round(sum(sales), 2) FROM mart_dyn_sample_superstore"
check "superstore profit" 286397.02 "$S" "$SDB" "SELECT round(sum(profit), 2) FROM mart_dyn_sample_superstore"
check "superstore orders" 5009 "$S" "$SDB" "SELECT count(DISTINCT order_id) FROM mart_dyn_sample_superstore"
check "superstore customers" 793 "$S" "$SDB" "SELECT count(DISTINCT customer_id) FROM mart_dyn_sample_superstore"
check "superstore west" 725457.82 "$S" "$SDB" "SELECT round(sum(sales), 2) FROM mart_dyn_sample_superstore WHERE region = 'West'"
check "superstore q3 2016 west" 50719.61 "$S" "$SDB" "SELECT round(sum(sales), 2) FROM mart_dyn_sample_superstore WHERE region = 'West' AND order_date_year = 2016 AND order_date_quarter = 3"
check "superstore date type" DATE "$S" "$SDB" "SELECT typeof(order_date) FROM mart_dyn_sample_superstore LIMIT 1"
check "superstore date range" "2014-01-03 2017-12-30" "$S" "$SDB" "SELECT min(order_date) || ' ' || max(order_date) FROM mart_dyn_sample_superstore"
check "superstore ship date max" 2018-01-05 "$S" "$SDB" "SELECT max(ship_date) FROM mart_dyn_sample_superstore"
check "superstore cp1252 name" 1 "$S" "$SDB" "SELECT count(DISTINCT customer_name) FROM mart_dyn_sample_superstore WHERE customer_name = 'Resi Pölking'"
check "superstore curly quotes" true "$S" "$SDB" "SELECT count(*) > 0 FROM mart_dyn_sample_superstore WHERE product_name LIKE '%“%”%'" 
check "superstore postal code text" VARCHAR "$S" "$SDB" "SELECT typeof(postal_code) FROM mart_dyn_sample_superstore LIMIT 1"
check "superstore sub_category" 17 "$S" "$SDB" "SELECT count(DISTINCT sub_category) FROM mart_dyn_sample_superstore"

A="$DATASETS/auto_sales"; ADB="$WORK/auto_sales.duckdb"
check "auto rows" 2823 "$A" "$ADB" "SELECT count(*) FROM mart_dyn_sales_data_sample"
check "auto sales" 10032628.85 "$A" "$ADB" "SELECT round(sum(sales), 2) FROM mart_dyn_sales_data_sample"
check "auto NA territory" 1074 "$A" "$ADB" "SELECT count(*) FROM mart_dyn_sales_data_sample WHERE territory = 'NA'"
check "auto NA sales" 3852061.39 "$A" "$ADB" "SELECT round(sum(sales), 2) FROM mart_dyn_sales_data_sample WHERE territory = 'NA'"
check "auto orderdate type" DATE "$A" "$ADB" "SELECT typeof(orderdate) FROM mart_dyn_sales_data_sample LIMIT 1"
check "auto date range" "2003-01-06 2005-05-31" "$A" "$ADB" "SELECT min(orderdate) || ' ' || max(orderdate) FROM mart_dyn_sales_data_sample"
check "auto 2004 sales" 4724162.6 "$A" "$ADB" "SELECT round(sum(sales), 2) FROM mart_dyn_sales_data_sample WHERE year(orderdate) = 2004"
check "auto year_id agrees" 0 "$A" "$ADB" "SELECT count(*) FROM mart_dyn_sales_data_sample WHERE year_id <> orderdate_year OR month_id <> orderdate_month OR qtr_id <> orderdate_quarter"
check "auto cp850 street" 19 "$A" "$ADB" "SELECT count(*) FROM mart_dyn_sales_data_sample WHERE addressline1 = 'Berguvsvägen  8'"
check "auto cp850 names" 32 "$A" "$ADB" "SELECT count(*) FROM mart_dyn_sales_data_sample WHERE contactfirstname = 'Martín'"
check "auto cp850 ñ" 23 "$A" "$ADB" "SELECT count(*) FROM mart_dyn_sales_data_sample WHERE addressline1 LIKE '%Cataluña%'"
check "auto empty state" 1486 "$A" "$ADB" "SELECT count(*) FROM mart_dyn_sales_data_sample WHERE state IS NULL"
check "auto orders" 307 "$A" "$ADB" "SELECT count(DISTINCT ordernumber) FROM mart_dyn_sales_data_sample"

N="$DATASETS/northwind"; NDB="$WORK/northwind.duckdb"
check "northwind orders" 830 "$N" "$NDB" "SELECT count(*) FROM mart_dyn_orders"
check "northwind details" 2155 "$N" "$NDB" "SELECT count(*) FROM mart_dyn_order_details"
check "northwind revenue" 1265793.04 "$N" "$NDB" "SELECT round(sum(unit_price * quantity * (1 - discount)), 2) FROM mart_dyn_order_details"
check "northwind freight 1997" 32468.77 "$N" "$NDB" "SELECT round(sum(freight), 2) FROM mart_dyn_orders WHERE year(order_date) = 1997"
check "northwind unshipped" 21 "$N" "$NDB" "SELECT count(*) FROM mart_dyn_orders WHERE shipped_date IS NULL"
check "northwind territory zeros" 01581 "$N" "$NDB" "SELECT min(territory_id) FROM mart_dyn_territories"
check "northwind utf8" true "$N" "$NDB" "SELECT count(*) > 0 FROM mart_dyn_customers WHERE city = 'México D.F.'"
check "northwind empty table" 0 "$N" "$NDB" "SELECT count(*) FROM mart_dyn_customer_customer_demo"
check "northwind join" 3 "$N" "$NDB" "SELECT count(*) FROM (SELECT c.category_name, sum(d.quantity) q FROM mart_dyn_order_details d JOIN mart_dyn_products p ON d.product_id = p.product_id JOIN mart_dyn_categories c ON p.category_id = c.category_id GROUP BY 1 ORDER BY q DESC LIMIT 3)"

W="$DATASETS/adventureworks"; WDB="$WORK/adventureworks.duckdb"
check "aw sales one source" 56046 "$W" "$WDB" "SELECT count(*) FROM mart_dyn_adventure_works_sales"
check "aw orders" 25164 "$W" "$WDB" "SELECT count(DISTINCT order_number) FROM mart_dyn_adventure_works_sales"
check "aw customers" 18148 "$W" "$WDB" "SELECT count(*) FROM mart_dyn_adventure_works_customers"
check "aw latin-1" true "$W" "$WDB" "SELECT count(*) > 0 FROM mart_dyn_adventure_works_customers WHERE first_name = 'JOSÉ'"
check "aw income numeric" 1039320000 "$W" "$WDB" "SELECT CAST(sum(annual_income) AS BIGINT) FROM mart_dyn_adventure_works_customers"
check "aw gender NA is data" 130 "$W" "$WDB" "SELECT count(*) FROM mart_dyn_adventure_works_customers WHERE gender = 'NA'"
check "aw revenue" 24914586.82 "$W" "$WDB" "SELECT round(sum(s.order_quantity * p.product_price), 2) FROM mart_dyn_adventure_works_sales s JOIN mart_dyn_adventure_works_products p ON s.product_key = p.product_key"
check "aw returns" 1828 "$W" "$WDB" "SELECT sum(return_quantity) FROM mart_dyn_adventure_works_returns"
check "aw date type" DATE "$W" "$WDB" "SELECT typeof(order_date) FROM mart_dyn_adventure_works_sales LIMIT 1"
check "aw territory key" 10 "$W" "$WDB" "SELECT count(*) FROM mart_dyn_adventure_works_territories WHERE sales_territory_key IS NOT NULL"

# What `salesql schema` tells a user.
expect_status "schema text" 0 "$SALESQL" schema --data "$S" --db "$SDB"
contains "schema lists mart" "$WORK/out" "mart_dyn_sample_superstore"
contains "schema region role" "$WORK/out" "region"
contains "schema values" "$WORK/out" "Central"
expect_status "schema json" 0 "$SALESQL" schema --data "$A" --db "$ADB" --format json
contains "schema json values" "$WORK/out" '"NA"'
contains "schema json role" "$WORK/out" '"role": "measure"'
contains "schema json note" "$WORK/out" 'dates read as month/day/year'
# Joins found at ingest (docs/internals/joins.md): every expected edge, the right number
# of them, and none from a measure, flag, level or date part.
# schema_joins NAME DATA DB: the schema's JSON without blanks, in $WORK/joins.
schema_joins() {
    expect_status "$1 schema json" 0 "$SALESQL" schema --no-refresh --data "$2" --db "$3" --format json
    # The joins only: the model's links after them name columns too.
    tr -d ' \n' <"$WORK/out" | sed 's/,"model":.*//' >"$WORK/joins"
}
# edge NAME FROM FROM_COLUMN TO TO_COLUMN RULE (marts without their mart_dyn_ prefix)
edge() {
    contains "$1" "$WORK/joins" "{\"from\":\"mart_dyn_$2\",\"from_column\":\"$3\",\"to\":\"mart_dyn_$4\",\"to_column\":\"$5\",\"coverage\":1,\"rule\":\"$6\"}"
}
# edge_count NAME N: the number of edges in $WORK/joins.
edge_count() {
    CHECKS=$((CHECKS + 1))
    n=$(grep -o '"from_column":' "$WORK/joins" | wc -l)
    [ "$n" -eq "$2" ] || fail "$1: $n joins, expected $2: $(grep -o '"joins":.*' "$WORK/joins" | head -c 3000)"
}
# no_edge_from NAME COLUMN...: no edge starts at a column of any of these names.
no_edge_from() {
    name=$1
    shift
    for col in "$@"; do
        CHECKS=$((CHECKS + 1))
        if grep -qF "\"from_column\":\"$col\"" "$WORK/joins"; then
            fail "$name: a join starts at $col"
        fi
    done
}

schema_joins northwind "$N" "$NDB"
edge "nw details->orders" order_details order_id orders order_id same_name
edge "nw details->products" order_details product_id products product_id same_name
edge "nw products->categories" products category_id categories category_id same_name
edge "nw products->suppliers" products supplier_id suppliers supplier_id same_name
edge "nw orders->customers" orders customer_id customers customer_id same_name
edge "nw orders->employees" orders employee_id employees employee_id same_name
edge "nw orders->shippers" orders ship_via shippers shipper_id entity_name
edge "nw employee_territories->territories" employee_territories territory_id territories territory_id same_name
edge "nw employee_territories->employees" employee_territories employee_id employees employee_id same_name
edge "nw territories->region" territories region_id region region_id same_name
edge_count "nw joins" 10
no_edge_from "nw measures" quantity unit_price discount reorder_level units_in_stock \
    units_on_order discontinued freight reports_to extension order_date_year
expect_status "nw schema text" 0 "$SALESQL" schema --no-refresh --data "$N" --db "$NDB"
contains "nw schema text joins" "$WORK/out" "mart_dyn_order_details.product_id -> mart_dyn_products.product_id"

schema_joins adventureworks "$W" "$WDB"
P=adventure_works
edge "aw sales->products" ${P}_sales product_key ${P}_products product_key same_name
edge "aw sales->customers" ${P}_sales customer_key ${P}_customers customer_key same_name
edge "aw sales->territories" ${P}_sales territory_key ${P}_territories sales_territory_key name_suffix
edge "aw sales->calendar" ${P}_sales order_date ${P}_calendar date name_suffix
edge "aw returns->products" ${P}_returns product_key ${P}_products product_key same_name
edge "aw returns->territories" ${P}_returns territory_key ${P}_territories sales_territory_key name_suffix
edge "aw returns->calendar" ${P}_returns return_date ${P}_calendar date name_suffix
edge "aw products->subcategories" ${P}_products product_subcategory_key ${P}_product_subcategories product_subcategory_key same_name
edge "aw subcategories->categories" ${P}_product_subcategories product_category_key ${P}_product_categories product_category_key same_name
edge_count "aw joins" 9
no_edge_from "aw measures" order_quantity order_line_item return_quantity total_children \
    annual_income product_cost product_price stock_date birth_date order_date_year

for ds in superstore auto_sales; do
    schema_joins "$ds" "$DATASETS/$ds" "$WORK/$ds.duckdb"
    edge_count "$ds joins" 0
done

finish
