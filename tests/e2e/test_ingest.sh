# Ingestion of messy files and incremental refresh, through the real binary: BOMs,
# Latin-1 and Windows-1252 text, quoted fields, day-first and ambiguous dates, empty
# fields, "NA", other delimiters, gzip, header-only files; then changes, deletions,
# broken files that keep their last good version, and multi-file sources.
. "$(dirname "$0")/lib.sh"

D="$WORK/messy"; DB="$WORK/messy.duckdb"
mkdir -p "$D"
printf '\357\273\277name,amount\r\nAlpha,10\r\nBeta,20.5' >"$D/bom.csv"
printf 'city,amount\nM\374nchen,10\nZ\374rich,5\n' >"$D/latin1.csv"
printf 'product,amount\n\223Deluxe\224 Chair,100\nCaf\351 Table,50\n' >"$D/cp1252.csv"
printf 'name,note,amount\n"Smith, John","said ""hi""",1\n"Doe, Jane",plain,2\n' >"$D/quoted.csv"
printf 'day,amount\n03/01/19,1\n25/12/19,2\n' >"$D/dayfirst.csv"
printf 'day,amount\n03/01/19,1\n04/02/19,2\n' >"$D/ambiguous.csv"
printf 'day,amount\n03.01.2019,1\n04.02.2019,2\n' >"$D/dotted.csv"
printf 'stamp,amount\n2/24/2003 0:00,1\n12/1/2004 0:00,2\n' >"$D/midnight.csv"
printf 'stamp,amount\n2/24/2003 13:45,1\n12/1/2004 0:00,2\n' >"$D/withtime.csv"
printf 'a,b,c\n1,,x\n2,5,\n,,\n' >"$D/empty_fields.csv"
printf 'territory,amount\nNA,1\nEMEA,2\n' >"$D/na.csv"
printf 'region;amount\nWest;1,5\nEast;2\n' >"$D/semicolon.csv"
printf 'region\tamount\nWest\t7\nEast\t8\n' >"$D/tabbed.tsv"
printf 'region,amount\nWest,3\nEast,4\n' | gzip -c >"$D/zipped.csv.gz"
printf 'region,amount\n' >"$D/header_only.csv"
printf 'income,kids\n"$90,000 ",2\n"$1,250.50",0\n' >"$D/money.csv"
printf 'zip,amount\n05408,1\n01040,2\n' >"$D/zips.csv"
mkdir -p "$D/orders"
printf 'order_id,amount\n1,10\n2,20\n' >"$D/orders/2023.csv"
printf 'order_id,amount\n3,30\n' >"$D/orders/2024.csv"
printf 'sku,qty\nA,1\n' >"$D/sales_2015.csv"
printf 'sku,qty\nB,2\nC,3\n' >"$D/sales_2016.csv"

expect_status "ingest messy" 0 "$SALESQL" ingest --data "$D" --db "$DB"
contains "ingest summary" "$WORK/err" "21 files, 21 changed, 21 loaded, 0 failed"

check "bom header" 30.5 "$D" "$DB" "SELECT sum(amount) FROM mart_dyn_bom WHERE name IN ('Alpha', 'Beta')"
check "latin-1" "München" "$D" "$DB" "SELECT city FROM mart_dyn_latin1 ORDER BY amount DESC LIMIT 1"
check "cp1252 quotes" "“Deluxe” Chair" "$D" "$DB" "SELECT product FROM mart_dyn_cp1252 WHERE amount = 100"
check "cp1252 accent" "Café Table" "$D" "$DB" "SELECT product FROM mart_dyn_cp1252 WHERE amount = 50"
check "quoted comma" "Smith, John" "$D" "$DB" "SELECT name FROM mart_dyn_quoted WHERE amount = 1"
check "doubled quotes" 'said "hi"' "$D" "$DB" "SELECT note FROM mart_dyn_quoted WHERE amount = 1"
check "day first" "2019-01-03 2019-12-25" "$D" "$DB" "SELECT min(day) || ' ' || max(day) FROM mart_dyn_dayfirst"
check "ambiguous month first" "2019-03-01" "$D" "$DB" "SELECT min(day) FROM mart_dyn_ambiguous"
check "dotted day first" "2019-01-03" "$D" "$DB" "SELECT min(day) FROM mart_dyn_dotted"
check "midnight is a date" "DATE" "$D" "$DB" "SELECT typeof(stamp) FROM mart_dyn_midnight LIMIT 1"
check "time kept" "2003-02-24 13:45:00" "$D" "$DB" "SELECT CAST(min(stamp) AS VARCHAR) FROM mart_dyn_withtime"
check "derived parts" "2003 1 2" "$D" "$DB" "SELECT min(stamp_year) || ' ' || min(stamp_quarter) || ' ' || min(stamp_month) FROM mart_dyn_midnight"
check "empty fields are NULL" 3 "$D" "$DB" "SELECT count(*) FILTER (WHERE b IS NULL) + count(*) FILTER (WHERE c IS NULL) - 1 FROM mart_dyn_empty_fields"
check "NA is data" 1 "$D" "$DB" "SELECT count(*) FROM mart_dyn_na WHERE territory = 'NA'"
check "semicolon" "West" "$D" "$DB" "SELECT region FROM mart_dyn_semicolon ORDER BY region DESC LIMIT 1"
check "tsv" 15 "$D" "$DB" "SELECT sum(amount) FROM mart_dyn_tabbed"
check "gzip" 7 "$D" "$DB" "SELECT sum(amount) FROM mart_dyn_zipped"
check "header only" 0 "$D" "$DB" "SELECT count(*) FROM mart_dyn_header_only"
check "money text" 91250.5 "$D" "$DB" "SELECT sum(income) FROM mart_dyn_money"
check "zip codes stay text" "05408" "$D" "$DB" "SELECT max(zip) FROM mart_dyn_zips"
check "folder source" 60 "$D" "$DB" "SELECT sum(amount) FROM mart_dyn_orders"
check "digit series source" 6 "$D" "$DB" "SELECT sum(qty) FROM mart_dyn_sales"
expect_status "schema notes" 0 "$SALESQL" schema --data "$D" --db "$DB"
contains "ambiguity is stated" "$WORK/out" "ambiguous: no value above 12"

# The playbook settles what the data cannot.
printf 'files:\n  ambiguous.csv:\n    dates: day_first\n' >"$D/playbook.yaml"
touch "$D/ambiguous.csv"
expect_status "ingest with playbook" 0 "$SALESQL" ingest --data "$D" --db "$DB"
check "playbook day first" "2019-01-03" "$D" "$DB" "SELECT min(day) FROM mart_dyn_ambiguous"
printf 'files:\n  latin1.csv:\n    encoding: klingon\n' >"$D/playbook.yaml"
touch "$D/latin1.csv"
expect_status "unknown encoding in playbook" 1 "$SALESQL" ingest --data "$D" --db "$DB"
contains "encoding error names the file" "$WORK/err" "latin1.csv"
rm "$D/playbook.yaml"
printf 'synonym:\n  sales: revenue\n' >"$D/playbook.yaml"
expect_status "playbook typo" 1 "$SALESQL" ingest --data "$D" --db "$DB"
contains "playbook error" "$WORK/err" "playbook.yaml"
rm "$D/playbook.yaml"

# Incremental refresh.
expect_status "refresh" 0 "$SALESQL" ingest --data "$D" --db "$DB"
expect_status "no change" 0 "$SALESQL" ingest --data "$D" --db "$DB"
contains "no change" "$WORK/err" "0 changed"
printf 'region,amount\nWest,3\nEast,4\nSouth,5\n' | gzip -c >"$D/zipped.csv.gz"
expect_status "one changed" 0 "$SALESQL" ingest --data "$D" --db "$DB"
contains "one changed" "$WORK/err" "1 changed, 1 loaded"
check "changed data" 12 "$D" "$DB" "SELECT sum(amount) FROM mart_dyn_zipped"

printf 'order_id,amount\n3,30\n4,40\n' >"$D/orders/2024.csv"
expect_status "one file of a folder source" 0 "$SALESQL" ingest --data "$D" --db "$DB"
contains "only that file" "$WORK/err" "1 changed, 1 loaded"
check "folder source updated" 100 "$D" "$DB" "SELECT sum(amount) FROM mart_dyn_orders"
printf 'order_id,amount,channel\n5,50,web\n' >"$D/orders/2025.csv"
expect_status "new column in a folder source" 0 "$SALESQL" ingest --data "$D" --db "$DB"
check "new file, new column" "150 1" "$D" "$DB" "SELECT sum(amount) || ' ' || count(channel) FROM mart_dyn_orders"
printf 'order_id,amount,channel\n5,50.25,web\n' >"$D/orders/2025.csv"
expect_status "wider type" 0 "$SALESQL" ingest --data "$D" --db "$DB"
check "amount widened" 150.25 "$D" "$DB" "SELECT sum(amount) FROM mart_dyn_orders"
rm "$D/orders/2023.csv"
expect_status "file gone from folder" 0 "$SALESQL" ingest --data "$D" --db "$DB"
check "its rows are gone" 120.25 "$D" "$DB" "SELECT sum(amount) FROM mart_dyn_orders"

rm "$D/na.csv"
expect_status "source gone" 0 "$SALESQL" ingest --data "$D" --db "$DB"
contains "dropped" "$WORK/err" "dropped mart_dyn_na"
expect_status "dropped mart is unknown" 4 "$SALESQL" sql --data "$D" --db "$DB" "SELECT * FROM mart_dyn_na"

# A file that breaks keeps its last good version, and says why.
printf '\037\213\010\000broken' >"$D/zipped.csv.gz"
expect_status "broken file" 1 "$SALESQL" ingest --data "$D" --db "$DB"
contains "failure is reported" "$WORK/err" "zipped.csv.gz"
check "last good version" 12 "$D" "$DB" "SELECT sum(amount) FROM mart_dyn_zipped"
expect_status "broken file not retried" 0 "$SALESQL" ingest --data "$D" --db "$DB"
contains "not retried" "$WORK/err" "0 changed"
expect_status "schema shows the error" 0 "$SALESQL" schema --data "$D" --db "$DB"
contains "error shown" "$WORK/out" "Files that failed to load"
printf 'region,amount\nNorth,1\n' | gzip -c >"$D/zipped.csv.gz"
expect_status "fixed file" 0 "$SALESQL" ingest --data "$D" --db "$DB"
check "fixed data" 1 "$D" "$DB" "SELECT sum(amount) FROM mart_dyn_zipped"

# A file cut short (its last line half-written, or rows that lost fields) fails with the
# line, and its last good version stays.
printf 'order_id,amount\n3,30\n4,40\n5' >"$D/orders/2024.csv"
expect_status "cut file" 1 "$SALESQL" ingest --data "$D" --db "$DB"
contains "cut line named" "$WORK/err" "orders/2024.csv: line 4 has 1 fields where the header has 2 (a row cut short"
check "cut file keeps its rows" 120.25 "$D" "$DB" "SELECT sum(amount) FROM mart_dyn_orders"
expect_status "schema shows the cut" 0 "$SALESQL" schema --data "$D" --db "$DB"
contains "cut shown" "$WORK/out" "line 4 has 1 fields"
printf 'name,note,amount\n"Smith, John","said ""hi""",1\n"Doe, Jane","cut here,2\n' >"$D/quoted.csv"
expect_status "cut quote" 1 "$SALESQL" ingest --data "$D" --db "$DB"
contains "cut quote named" "$WORK/err" "quoted.csv: line 3 opens a quoted value that never closes"
check "cut quote keeps its rows" "Smith, John" "$D" "$DB" "SELECT name FROM mart_dyn_quoted WHERE amount = 1"
printf 'order_id,amount\n3,30\n4,40\n' >"$D/orders/2024.csv"
printf 'name,note,amount\n"Smith, John","said ""hi""",1\n"Doe, Jane",plain,2\n' >"$D/quoted.csv"
expect_status "cut files fixed" 0 "$SALESQL" ingest --data "$D" --db "$DB"
check "fixed folder" 120.25 "$D" "$DB" "SELECT sum(amount) FROM mart_dyn_orders"

# Files of a folder load in one statement; one bad file among them fails alone.
B="$WORK/batch"; BDB="$WORK/batch.duckdb"
mkdir -p "$B/months"
for m in 1 2 3 4 5; do
    printf 'day,region,amount\n2024-0%s-01,West,%s\n2024-0%s-02,East,1\n' $m $m $m >"$B/months/0$m.csv"
done
expect_status "batch" 0 "$SALESQL" ingest --data "$B" --db "$BDB"
contains "batch loaded" "$WORK/err" "5 files, 5 changed, 5 loaded, 0 failed"
check "batch rows" "10 20" "$B" "$BDB" "SELECT count(*) || ' ' || sum(amount) FROM mart_dyn_months"
check "batch rows keep their file" "03.csv 3" "$B" "$BDB" "SELECT replace(_salesql_file, 'months/', '') || ' ' || sum(amount) FROM raw_months WHERE region = 'West' AND amount = 3 GROUP BY _salesql_file"
# New files that fit the table go straight into it; changed ones replace their rows.
printf 'day,region,amount\n2024-06-01,West,6\n' >"$B/months/06.csv"
printf 'day,region,amount\n2024-07-01,West,7\n' >"$B/months/07.csv"
expect_status "batch appended" 0 "$SALESQL" ingest --verbose --data "$B" --db "$BDB"
contains "appended straight" "$WORK/err" "read into raw_months"
contains "appended rows counted" "$WORK/err" "months/07.csv: 1 rows"
check "appended rows" "12 33" "$B" "$BDB" "SELECT count(*) || ' ' || sum(amount) FROM mart_dyn_months"
printf 'day,region,amount\n2024-06-01,West,60\n2024-06-02,East,1\n' >"$B/months/06.csv"
printf 'day,region,amount\n2024-07-01,West,70\n' >"$B/months/07.csv"
expect_status "batch replaced" 0 "$SALESQL" ingest --data "$B" --db "$BDB"
contains "both replaced" "$WORK/err" "2 changed, 2 loaded, 0 failed"
check "replaced rows" "13 151" "$B" "$BDB" "SELECT count(*) || ' ' || sum(amount) FROM mart_dyn_months"
rm "$B/months/06.csv" "$B/months/07.csv"
expect_status "batch files gone" 0 "$SALESQL" ingest --data "$B" --db "$BDB"
printf 'day,region,amount\n2024-02-01,West,20\n2024-02-02,East\n' >"$B/months/02.csv"
printf 'day,region,amount\n2024-04-01,West,40\n' >"$B/months/04.csv"
expect_status "batch with a cut file" 1 "$SALESQL" ingest --data "$B" --db "$BDB"
contains "cut file alone" "$WORK/err" "2 changed, 1 loaded, 1 failed"
contains "cut file named" "$WORK/err" "months/02.csv: line 3 has 2 fields"
check "others loaded, cut kept" "9 55" "$B" "$BDB" "SELECT count(*) || ' ' || sum(amount) FROM mart_dyn_months"
rm -rf "$B/months"
mkdir -p "$B/months"
for m in 1 2 3; do printf 'day,region,amount\n2024-0%s-01,West,%s\n' $m $m >"$B/months/0$m.csv"; done
printf 'day,region,amount\n2024-04-01,West,4\n2024-04-0' >"$B/months/04.csv"
rm -f "$BDB"
expect_status "new batch with a cut file" 1 "$SALESQL" ingest --data "$B" --db "$BDB"
contains "fresh batch: cut file alone" "$WORK/err" "4 changed, 3 loaded, 1 failed"
check "fresh batch rows" "3 6" "$B" "$BDB" "SELECT count(*) || ' ' || sum(amount) FROM mart_dyn_months"

# A second digit-series file joins its source; a lone file becomes a series.
printf 'sku,qty\nD,4\n' >"$D/sales_2017.csv"
expect_status "series grows" 0 "$SALESQL" ingest --data "$D" --db "$DB"
check "series total" 10 "$D" "$DB" "SELECT sum(qty) FROM mart_dyn_sales"

# Parquet, alone and beside CSV: the same data gives the same answers.
P="$WORK/parquet"; PDB="$WORK/parquet.duckdb"
"$SALESQL" demo --quiet --rows 3000 --out "$P/pq" --format parquet || fail "demo parquet"
"$SALESQL" demo --quiet --rows 3000 --out "$P/csv" || fail "demo csv"
expect_status "ingest parquet and csv" 0 "$SALESQL" ingest --data "$P" --db "$PDB"
check "parquet rows" 3000 "$P" "$PDB" "SELECT count(*) FROM mart_dyn_pq"
check "parquet = csv" true "$P" "$PDB" "SELECT (SELECT round(sum(sales), 2) FROM mart_dyn_pq) = (SELECT round(sum(sales), 2) FROM mart_dyn_csv)"
check "parquet dates" DATE "$P" "$PDB" "SELECT typeof(order_date) FROM mart_dyn_pq LIMIT 1"
check "parquet derived parts" 4 "$P" "$PDB" "SELECT count(DISTINCT order_date_year) FROM mart_dyn_pq"
"$SALESQL" demo --quiet --rows 3000 --files 3 --out "$P/pq" --format parquet || fail "demo parquet files"
expect_status "parquet folder source" 0 "$SALESQL" ingest --data "$P" --db "$PDB"
check "parquet folder rows" "3000 3" "$P" "$PDB" "SELECT count(*) || ' ' || count(DISTINCT _salesql_file) FROM raw_pq"

# Hostile files: each fails alone with a reason, and the others still load.
H="$WORK/hostile"; HDB="$WORK/hostile.duckdb"
mkdir -p "$H"
: >"$H/empty.csv"
printf '\357\273\277\r\n' >"$H/bom_only.csv"
head -c 4000 /dev/urandom >"$H/garbage.csv"
printf 'a,a,,b\n1,2,3,4\n' >"$H/dupes.csv"
printf 'x\n1\n' >"$H/O'Brien.csv"
printf 'a,b\n1,2\n3,4,5,6\n' >"$H/ragged.csv"
expect_status "hostile files" 1 "$SALESQL" ingest --data "$H" --db "$HDB"
contains "empty file" "$WORK/err" "empty.csv: the file is empty"
contains "bom only" "$WORK/err" "bom_only.csv: the file is empty"
contains "garbage named" "$WORK/err" "garbage.csv"
contains "others load" "$WORK/err" "2 loaded, 4 failed"
check "duplicate names" "1 2 3 4" "$H" "$HDB" "SELECT a || ' ' || a_1 || ' ' || column2 || ' ' || b FROM mart_dyn_dupes"
check "quote in file name" 1 "$H" "$HDB" "SELECT x FROM mart_dyn_o_brien"
contains "a row with more fields than the header" "$WORK/err" "ragged.csv: line 3 has more fields than the header's 2: 3,4,5,6"

# Symbolic links: one that leaves the data folder is skipped with a warning, never a mart
# (data/passwd.csv -> an outside passwd must not become queryable), unless --follow-symlinks;
# one inside the folder loads; dangling links and loops are skipped and the scan ends.
S="$WORK/links"; SDB="$WORK/links.duckdb"
mkdir -p "$S/data/sub" "$S/outside/more"
printf 'region,amount\nWest,1\nEast,2\n' >"$S/data/sales.csv"
printf 'a,b\n1,2\n' >"$S/outside/more/secret.csv"
mkdir -p "$S/outside/etc"
printf 'user,uid\nroot,0\ndaemon,1\n' >"$S/outside/etc/passwd"
ln -s "$S/outside/etc/passwd" "$S/data/passwd.csv"
ln -s ../outside/more "$S/data/more"
ln -s sales.csv "$S/data/inside.csv"
ln -s "$S/nowhere.csv" "$S/data/dangling.csv"
ln -s loop_b.csv "$S/data/loop_a.csv"
ln -s loop_a.csv "$S/data/loop_b.csv"
ln -s .. "$S/data/sub/up"
PASSWD_WARNING="skipped passwd.csv: a symlink to $S/outside/etc/passwd, outside the data folder; --follow-symlinks loads it"
expect_status "links out are skipped" 0 "$SALESQL" ingest --data "$S/data" --db "$SDB"
contains "ingest warns" "$WORK/err" "$PASSWD_WARNING"
contains "only the folder's files" "$WORK/err" "2 files, 2 changed, 2 loaded, 0 failed"
check "a link inside loads" 3 "$S/data" "$SDB" "SELECT sum(amount) FROM mart_dyn_inside"
expect_status "no passwd mart" 4 "$SALESQL" sql --data "$S/data" --db "$SDB" "select * from mart_dyn_passwd"
expect_status "no mart from a linked folder" 4 "$SALESQL" sql --data "$S/data" --db "$SDB" "select * from mart_dyn_more"
expect_status "schema with links" 0 "$SALESQL" schema --data "$S/data" --db "$SDB"
contains "schema warns" "$WORK/out" "$PASSWD_WARNING"
contains "folder link" "$WORK/out" "skipped more: a symlink to $S/outside/more, outside the data folder"
contains "dangling link" "$WORK/out" "skipped dangling.csv: a symlink to $S/nowhere.csv, which does not exist"
contains "loop of links" "$WORK/out" "skipped loop_a.csv: a symlink to loop_b.csv, which is a loop of symlinks"
contains "folder loop" "$WORK/out" "skipped sub/up: a symlink to $S/data, a folder it is in (a loop)"
expect_status "schema json with links" 0 "$SALESQL" schema --format json --data "$S/data" --db "$SDB"
contains "json lists the skipped" "$WORK/out" '"skipped"'
expect_status "links unchanged" 0 "$SALESQL" ingest --data "$S/data" --db "$SDB"
contains "nothing to reload" "$WORK/err" "0 changed"
expect_status "follow links" 0 "$SALESQL" ingest --follow-symlinks --data "$S/data" --db "$SDB"
contains "all loaded" "$WORK/err" "4 files, 2 changed, 2 loaded, 0 failed"
# Every command that refreshes says whether to follow: these queries too (by the variable).
export SALESQL_FOLLOW_SYMLINKS=1
check "passwd loads when asked" true "$S/data" "$SDB" "SELECT count(*) > 0 FROM mart_dyn_passwd"
check "a linked folder loads when asked" 2 "$S/data" "$SDB" "SELECT sum(b) FROM mart_dyn_more"
unset SALESQL_FOLLOW_SYMLINKS
expect_status "passwd gone without the flag" 4 "$SALESQL" sql --data "$S/data" --db "$SDB" "select * from mart_dyn_passwd"
expect_status "schema after the drop" 0 "$SALESQL" schema --data "$S/data" --db "$SDB"
contains "warned again" "$WORK/out" "$PASSWD_WARNING"
rm "$S/data/passwd.csv"
expect_status "link removed" 0 "$SALESQL" schema --data "$S/data" --db "$SDB"
CHECKS=$((CHECKS + 1))
! grep -q "passwd" "$WORK/out" || fail "a removed link is still listed: $(grep passwd "$WORK/out")"

# Wide files: 3,000 columns and one row, as CSV and as Parquet, load under a 1 GB memory
# limit (each statement over the columns takes a batch of them; one over all needed
# gigabytes and crashed DuckDB). The Parquet file is the CSV's compacted copy.
W="$WORK/wide"; WDB="$W/db/wide.duckdb"
mkdir -p "$W/csv" "$W/pq"
awk 'BEGIN { for (r = 0; r < 2; r++) { line = ""
    for (i = 0; i < 3000; i++) {
        v = i % 3 == 0 ? i : (i % 3 == 1 ? "v" i : i ".5")
        line = line (i ? "," : "") (r == 0 ? "col_" i : (i % 100 == 3 ? "2024-01-02" : v))
    }
    print line } }' >"$W/csv/wide.csv"
expect_status "wide csv" 0 "$SALESQL" ingest --memory-limit 1GB --data "$W/csv" --db "$WDB"
check "wide csv, last column" 2999.5 "$W/csv" "$WDB" "SELECT col_2999 FROM mart_dyn_wide"
check "wide csv, text column" "v2998" "$W/csv" "$WDB" "SELECT col_2998 FROM mart_dyn_wide"
check "wide csv, date parts" 2024 "$W/csv" "$WDB" "SELECT col_2903_year FROM mart_dyn_wide"
expect_status "wide schema" 0 "$SALESQL" schema --data "$W/csv" --db "$WDB"
contains "every column profiled" "$WORK/out" "col_2999"
expect_status "compact wide" 0 "$SALESQL" compact --memory-limit 1GB --data "$W/csv" --db "$WDB"
cp "$W"/db/compact/wide/part-*.parquet "$W/pq/wide.parquet" || fail "no compacted part"
expect_status "wide parquet" 0 "$SALESQL" ingest --memory-limit 1GB --data "$W/pq" --db "$W/pq.duckdb"
check "wide parquet, last column" 2999.5 "$W/pq" "$W/pq.duckdb" "SELECT col_2999 FROM mart_dyn_wide"
check "wide parquet, first column" 0 "$W/pq" "$W/pq.duckdb" "SELECT col_0 FROM mart_dyn_wide"
check "wide parquet, date parts" 2024 "$W/pq" "$W/pq.duckdb" "SELECT col_2903_year FROM mart_dyn_wide"

# Usage errors.
expect_status "missing data folder" 6 "$SALESQL" ingest --data "$WORK/nope" --db "$DB"
contains "says which folder" "$WORK/err" "nope"
# A first run over a missing or an empty folder says so and creates nothing.
mkdir -p "$WORK/empty" "$WORK/fresh"
for cmd in ingest ask sql schema; do
    case $cmd in ask) q="sales by region" ;; sql) q="SELECT 1" ;; *) q="" ;; esac
    expect_status "$cmd: missing folder" 6 "$SALESQL" $cmd --data "$WORK/nope" --db "$WORK/fresh/m.duckdb" ${q:+"$q"}
    contains "$cmd: missing folder says how to fix it" "$WORK/err" "does not exist; create it"
    expect_status "$cmd: empty folder" 6 "$SALESQL" $cmd --data "$WORK/empty" --db "$WORK/fresh/e.duckdb" ${q:+"$q"}
    contains "$cmd: empty folder says so" "$WORK/err" "holds no CSV or Parquet files yet"
done
CHECKS=$((CHECKS + 1))
[ -z "$(find "$WORK/fresh" "$WORK/empty" -mindepth 1)" ] || fail "a missing or empty data folder created: $(find "$WORK/fresh" "$WORK/empty" -mindepth 1)"
# A folder emptied (or unmounted) after a load changes nothing: the marts stay.
mkdir -p "$WORK/was"
printf 'region,sales\nWest,1\nEast,2\n' >"$WORK/was/s.csv"
expect_status "load before emptying" 0 "$SALESQL" ingest --data "$WORK/was" --db "$WORK/was.duckdb"
mv "$WORK/was/s.csv" "$WORK/s.csv.away"
for cmd in ingest ask sql schema; do
    case $cmd in ask) q="total sales" ;; sql) q="SELECT 1" ;; *) q="" ;; esac
    expect_status "$cmd: emptied folder" 6 "$SALESQL" $cmd --data "$WORK/was" --db "$WORK/was.duckdb" ${q:+"$q"}
    contains "$cmd: emptied folder says so" "$WORK/err" "holds no CSV or Parquet files; put your sales files in it (or pass --data DIR). Nothing was changed"
done
expect_status "ask --format json, emptied folder" 6 "$SALESQL" ask --format json --data "$WORK/was" --db "$WORK/was.duckdb" "total sales"
expect_status "missing folder after a load" 6 "$SALESQL" ask --data "$WORK/gone" --db "$WORK/was.duckdb" "total sales"
mv "$WORK/s.csv.away" "$WORK/was/s.csv"
check "marts kept" 3 "$WORK/was" "$WORK/was.duckdb" "SELECT sum(sales) FROM mart_dyn_s"
expect_status "bad flag" 2 "$SALESQL" ingest --bogus
expect_status "help" 0 "$SALESQL" ingest --help
contains "help text" "$WORK/out" "Usage: salesql ingest"
finish
