# `salesql ask` as users and programs see it: the answer object of DESIGN.md, exit
# statuses, declined questions with the unplaced words and suggestions, follow-ups in a
# session, and hostile questions that must change nothing.
. "$(dirname "$0")/lib.sh"

S="$DATASETS/superstore"; DB="$WORK/s.duckdb"
expect_status "ingest" 0 "$SALESQL" ingest --quiet --data "$S" --db "$DB"
ask() { "$SALESQL" ask --quiet --data "$S" --db "$DB" "$@"; }

# json NAME FILE JS: evaluates a JavaScript expression over the parsed JSON as `a`.
json() {
    CHECKS=$((CHECKS + 1))
    if ! node -e "const a = JSON.parse(require('fs').readFileSync('$2', 'utf8')); if (!($3)) { console.error(JSON.stringify(a).slice(0, 600)); process.exit(1); }" 2>"$WORK/js.err"; then
        fail "$1: $3 is false for $(cat "$WORK/js.err")"
    fi
}

expect_status "ask json" 0 ask --format json "Show top 5 regions by sales in Q3 2016"
cp "$WORK/out" "$WORK/a.json"
json "one object" "$WORK/a.json" "typeof a === 'object' && !Array.isArray(a)"
json "keys" "$WORK/a.json" "['question','status','mode','sql','columns','rows','row_count','truncated','interpretation','insights','chart','cached','timings_ms','llm','error'].every(k => k in a)"
json "status" "$WORK/a.json" "a.status === 'ok' && a.mode === 'fast' && a.error === null"
json "sql" "$WORK/a.json" "/^SELECT /.test(a.sql) && a.sql.includes('mart_dyn_sample_superstore')"
json "columns" "$WORK/a.json" "a.columns.length === 2 && a.columns[0].name === 'region' && a.columns[1].type === 'DOUBLE'"
json "rows" "$WORK/a.json" "a.row_count === 4 && a.rows[0][0] === 'West' && Math.abs(a.rows[0][1] - 50719.61) < 0.01"
json "numbers are numbers" "$WORK/a.json" "typeof a.rows[0][1] === 'number'"
json "interpretation" "$WORK/a.json" "a.interpretation.startsWith('Total sales by region, July–September 2016, highest first, top 5')"
json "insights" "$WORK/a.json" "a.insights.length >= 2 && a.insights[0].startsWith('West leads with 50,720')"
json "chart" "$WORK/a.json" "a.chart['\$schema'] === 'https://vega.github.io/schema/vega-lite/v5.json' && a.chart.data.values.length === 4"
json "timings" "$WORK/a.json" "a.timings_ms.understand > 0 && a.timings_ms.understand < 50 && a.timings_ms.total >= a.timings_ms.execute"
json "llm" "$WORK/a.json" "a.llm.calls === 0 && a.llm.prompt_tokens === 0"
json "not cached" "$WORK/a.json" "a.cached === false"

json "query: the frame read" "$WORK/a.json" "a.query.kind === 'aggregate' && a.query.frame.fact === 'mart_dyn_sample_superstore' && a.query.frame.dims[0].col === 'region'"

# A record question: the thing's field, and the algebra it was read into.
C="$SALESQL_SRC/tests/data/crm"; CDB="$WORK/crm.duckdb"
expect_status "record question" 0 "$SALESQL" ask --quiet --format json --data "$C" --db "$CDB" \
    "who is the account manager of Blue Fjord Traders"
cp "$WORK/out" "$WORK/r.json"
json "record answer" "$WORK/r.json" "a.rows.length === 1 && a.rows[0].includes('Lars') && a.rows[0].includes('Berg')"
json "record query" "$WORK/r.json" "a.query.kind === 'records' && a.query.from === 'mart_dyn_accounts' && a.query.fields.some(f => f.table === 'mart_dyn_staff' && f.column === 'first_name') && a.query.conditions[0].value === 'Blue Fjord Traders'"
json "record interpretation" "$WORK/r.json" "a.interpretation.includes('account_manager_staff_id') && a.interpretation.includes('Blue Fjord Traders')"
expect_status "two readings" 3 "$SALESQL" ask --quiet --format json --data "$C" --db "$CDB" \
    "list the accounts in Georgia"
json "both readings offered" "$WORK/out" "a.error.message.includes('state') && a.error.message.includes('country') && a.suggestions.length === 2 && a.suggestions.some(x => x.includes('state Georgia'))"

expect_status "dates are ISO strings" 0 ask --format json "sales by ship date in Q1 2017 by month"
expect_status "table output" 0 ask "profit by segment in 2015"
contains "interpretation line" "$WORK/out" "Total profit by segment, 2015"
contains "sql line" "$WORK/out" "SELECT segment, SUM(profit) AS profit"
contains "readable numbers" "$WORK/out" "28,460.17"
contains "insight" "$WORK/out" "• Consumer leads with 28,460"
expect_status "csv output" 0 ask --format csv "sales by region"
contains "csv header" "$WORK/out" "region,sales"

# Declined: exit 3, the words it could not place with their offsets, suggestions.
expect_status "declined" 3 ask --format json "sales by zodiac sign in 2016"
cp "$WORK/out" "$WORK/d.json"
json "declined status" "$WORK/d.json" "a.status === 'unsupported' && a.error.code === 'unsupported' && a.sql === null"
json "unplaced words" "$WORK/d.json" "a.unplaced.some(u => u.word === 'zodiac' && u.offset === 9) && a.unplaced.some(u => u.word === 'sign' && u.offset === 16)"
json "suggestions" "$WORK/d.json" "a.suggestions.length >= 2 && a.suggestions.every(s => typeof s === 'string')"
json "understood" "$WORK/d.json" "a.understood.includes('column sales')"
expect_status "declined text" 3 ask "what is the capital of France?"
contains "says so" "$WORK/err" "not understood"
contains "names the word" "$WORK/err" "could not place \"capital\""
contains "suggests" "$WORK/err" "try:"

# Follow-ups edit the session's last question.
for step in "sales by category in 2016|Total sales by category, 2016" \
    "now by quarter|Total sales by quarter, 2016" \
    "only Furniture|where category is Furniture, 2016" \
    "what about 2015?|where category is Furniture, 2015" \
    "show profit instead|Total profit by quarter, where category is Furniture, 2015" \
    "now by region|Total profit by region, where category is Furniture, 2015" \
    "top 2 instead|highest first, top 2"; do
    q=${step%%|*}
    want=${step#*|}
    expect_status "follow-up: $q" 0 ask --session t1 "$q"
    contains "follow-up: $q" "$WORK/out" "$want"
done
expect_status "other session is fresh" 3 ask --session t2 "now by quarter"
# The top row's fields stay with it in a follow-up.
expect_status "top row's fields" 0 ask --session t3 "who spent the most in 2016 and what segment are they in"
contains "top row's fields" "$WORK/out" "by customer name, with segment, 2016, the highest"
expect_status "top row's fields, follow-up" 0 ask --session t3 "what about 2017?"
contains "top row's fields, follow-up" "$WORK/out" "by customer name, with segment, 2017, the highest"
expect_status "bad session id" 2 ask --session "../x" "sales"

# Hostile questions: declined or answered harmlessly; nothing changes.
before=$(ask --format csv "sales by region" | md5sum)
expect_status "injection" 3 ask "sales in West'; DROP TABLE raw_sample_superstore; --"
expect_status "sql as question" 3 ask "SELECT * FROM read_csv('/etc/passwd')"
long=$(head -c 3000 /dev/zero | tr '\0' 'a')
expect_status "too long" 3 ask "$long"
contains "too long says why" "$WORK/err" "longer than"
expect_status "control characters" 3 ask "$(printf 'sales\001\002 by \033[31mregion')"
expect_status "empty" 3 ask ""
expect_status "only punctuation" 3 ask "?!?"
after=$(ask --format csv "sales by region" | md5sum)
CHECKS=$((CHECKS + 1))
[ "$before" = "$after" ] || fail "the data changed after hostile questions"

# The playbook: synonyms, glossary words for values, metrics, hidden columns, the default
# date column.
P="$WORK/pb"
mkdir -p "$P"
cp "$S/Sample - Superstore.csv" "$P/"
cat >"$P/playbook.yaml" <<'YAML'
default_date: ship_date
synonyms:
  sales: [bookings, gmv]
  customer_name: [account]
glossary:
  big apple: New York City
metrics:
  margin: SUM(profit) / SUM(sales)
hidden: [row_id]
YAML
pask() { "$SALESQL" ask --quiet --data "$P" --db "$WORK/pb.duckdb" "$@"; }
expect_status "synonym" 0 pask "top 3 accounts by bookings"
contains "synonym columns" "$WORK/out" "SELECT customer_name, SUM(sales) AS sales"
expect_status "glossary value" 0 pask "gmv in the big apple"
contains "glossary value sql" "$WORK/out" "city = 'New York City'"
expect_status "metric" 0 pask "margin by region in 2017"
contains "metric sql" "$WORK/out" "(SUM(profit) / SUM(sales)) AS margin"
contains "default date" "$WORK/out" "ship_date >= DATE '2017-01-01'"
expect_status "hidden column" 3 pask "sales by row id"
expect_status "metric by period" 3 pask "margin in 2016 vs 2017"
contains "metric by period says why" "$WORK/err" "cannot be split into periods"

# A table named like its measure (the demo's sales.csv): "by sales" ranks by the column.
expect_status "demo data" 0 "$SALESQL" demo --quiet --rows 3000 --out "$WORK/demo"
expect_status "demo ranking" 0 "$SALESQL" ask --quiet --data "$WORK/demo" --db "$WORK/demo.duckdb" \
    "top 5 sub category by sales in 2024"
contains "ranked by the sales column" "$WORK/out" "SELECT sub_category, SUM(sales) AS sales FROM mart_dyn_sales"
# A yes/no column (returned, read as BOOLEAN) named as a participle is a filter on yes,
# "not returned" on no; "by returned" stays a breakdown.
dask() { "$SALESQL" ask --quiet --format json --data "$WORK/demo" --db "$WORK/demo.duckdb" "$@" >"$WORK/out" 2>"$WORK/err"; }
dask "how many orders were returned"
json "returned orders" "$WORK/out" "a.status === 'ok' && a.sql.includes(\"WHERE returned = 'true'\") && a.rows.length === 1"
dask "sales of orders not returned"
json "not returned" "$WORK/out" "a.status === 'ok' && a.sql.includes(\"WHERE returned = 'false'\")"
dask "orders by returned"
json "by returned" "$WORK/out" "a.status === 'ok' && a.rows.length === 2 && !a.sql.includes('WHERE')"
dask "percentage of orders returned"
json "share of orders returned" "$WORK/out" "a.status === 'ok' && a.sql.includes('COUNT(DISTINCT order_id) FILTER (WHERE returned') && a.rows[0][2] > 0 && a.rows[0][2] < 100"
# "last year" beside "this year" is the year before; the same period twice declines.
dask "sales this year vs last year"
json "this vs last year" "$WORK/out" "a.status === 'ok' && a.sql.includes('sales_2023') && a.sql.includes('sales_2024')"
expect_status "same period twice" 3 "$SALESQL" ask --quiet --data "$WORK/demo" --db "$WORK/demo.duckdb" "sales in 2024 vs 2024"
contains "same period says why" "$WORK/err" "both periods compared are 2024"

# Usage.
expect_status "deep without a model" 2 ask --mode deep "sales"
contains "deep says how" "$WORK/err" "SALESQL_LLM_URL"
expect_status "bad mode" 2 ask --mode sideways "sales"
expect_status "no question" 2 ask
expect_status "help" 0 ask --help
contains "help text" "$WORK/out" "Usage: salesql ask"
finish
