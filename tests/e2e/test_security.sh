# `salesql serve` against the attacks of issue 11 that go through HTTP, one section per
# class, each asserting what a user (or the attacking page) sees:
#   - cross-site requests: a body that is not declared JSON (what a page elsewhere can send
#     without a preflight) gets 415 and does nothing; a request from another Origin gets
#     403 naming --allow-origin; the server's own page and allowed front ends (with CORS
#     headers and a preflight, also under --token) work; GETs stay open;
#   - connection floods: 300 half-sent requests from one address do not keep /api/health
#     from answering, and the server closes them all; answers and event streams that take
#     longer than the idle timeout are not cut;
#   - queries that would outlast their limits, written by a model (the local test server
#     tests/llm_server/server.js): a single-call bomb is refused at once, queries that only
#     the time limit stops end within their budget while a fast question still answers,
#     and SIGTERM stops the server within 5 s with both workers busy on them.
# Run under the sanitizers of the test build: each server must stop cleanly on SIGTERM.
. "$(dirname "$0")/lib.sh"

S="$DATASETS/superstore"
D="$WORK/data"
DB="$WORK/sec.duckdb"
mkdir -p "$D"
cp "$S/Sample - Superstore.csv" "$D/"
expect_status "ingest" 0 "$SALESQL" ingest --quiet --data "$D" --db "$DB"

header() { # NAME HEADER-LINE: the last response has that header line (case of the name aside)
    CHECKS=$((CHECKS + 1))
    tr -d '\r' <"$WORK/headers" | grep -qix "$2" || fail "$1: no '$2' in: $(tr -d '\r' <"$WORK/headers" | head -20)"
}

no_header() { # NAME HEADER-NAME: the last response has no such header
    CHECKS=$((CHECKS + 1))
    if tr -d '\r' <"$WORK/headers" | grep -qi "^$2:"; then
        fail "$1: unexpected '$2' in: $(tr -d '\r' <"$WORK/headers" | head -20)"
    fi
}

JSON='Content-Type: application/json'
ASK='{"question": "sales by region in 2016", "session": "s1"}'
FRONT=http://localhost:3000

start main --allow-origin "$FRONT, https://front.example" --allow-origin http://127.0.0.1:5173

# 1. Bodies that are not declared JSON: what a form or fetch(..., {mode: 'no-cors'}) on
# any site can send to 127.0.0.1 without a preflight. Refused, and nothing happened.
http "text/plain ask" 415 POST /api/ask -H 'Content-Type: text/plain' --data-binary "$ASK"
json "415 says what is needed" "$WORK/body" "a.error.code === 'unsupported_media_type' && a.error.message.includes('Content-Type: application/json') && a.error.message.includes('text/plain')"
header "415 names the type" "Accept-Post: application/json"
http "form ask" 415 POST /api/ask --data-urlencode "q=$ASK"
http "multipart ask" 415 POST /api/ask -F "question=sales by region"
http "no type ask" 415 POST /api/ask -H 'Content-Type:' --data-binary "$ASK"
http "json-ish ask" 415 POST /api/ask -H 'Content-Type: application/jsonp' --data-binary "$ASK"
http "text/json ask" 415 POST /api/ask -H 'Content-Type: text/json' --data-binary "$ASK"
http "no answer was made" 404 GET /api/sessions/s1
http "no job was run" 200 GET /metrics
CHECKS=$((CHECKS + 1))
grep -q '^salesql_jobs_total{state="done"} 0$' "$WORK/body" || fail "refused asks ran jobs: $(grep '^salesql_jobs_total' "$WORK/body")"
# A refresh is the other route with a body: a new file must not be loaded by a refused one.
printf 'region,target\nWest,800000\nEast,700000\n' >"$D/targets.csv"
http "text/plain ingest" 415 POST /api/ingest -H 'Content-Type: text/plain' --data-binary '{}'
http "empty form ingest" 415 POST /api/ingest -H 'Content-Type: application/x-www-form-urlencoded'
http "bodiless ingest" 415 POST /api/ingest
json "bodiless ingest says why" "$WORK/body" "a.error.message.includes('had none')"
http "schema after refused ingests" 200 GET /api/schema
json "nothing was loaded" "$WORK/body" "!a.marts.some(m => m.name === 'mart_dyn_targets') && a.ingest.generation === 1"
# Declared JSON, in any case and with parameters, works.
http "json ask" 200 POST /api/ask -H 'Content-Type: Application/JSON; charset=UTF-8' --data-binary "$ASK"
json "json answer" "$WORK/body" "a.status === 'ok' && a.interpretation.startsWith('Total sales by region, 2016')"
http "json ingest" 200 POST /api/ingest -H "$JSON" --data-binary '{}'
json "json ingest loads" "$WORK/body" "a.report.loaded === 1 && a.generation === 2"
# A symlink out of the data folder is skipped by a refresh through the API, and counted.
ln -s /etc/passwd "$D/passwd.csv"
http "ingest with an outside link" 200 POST /api/ingest -H "$JSON" --data-binary '{}'
http "health counts the skipped link" 200 GET /api/health
json "skipped, not failed" "$WORK/body" "a.data.skipped_files === 1 && a.data.failed_files === 0"
http "schema after the link" 200 GET /api/schema
json "no mart from the link" "$WORK/body" "!a.marts.some(m => m.name === 'mart_dyn_passwd')"
rm "$D/passwd.csv"

# 2. Another Origin: refused on everything but GET and HEAD, with no CORS headers.
EVIL=http://evil.example
http "foreign ask" 403 POST /api/ask -H "$JSON" -H "Origin: $EVIL" --data-binary '{"question": "profit by region", "session": "s2"}'
json "403 names --allow-origin" "$WORK/body" "a.error.code === 'cross_origin' && a.error.message.includes('$EVIL') && a.error.message.includes('--allow-origin')"
no_header "foreign ask no CORS" "Access-Control-Allow-Origin"
http "foreign ask did nothing" 404 GET /api/sessions/s2
http "foreign ingest" 403 POST /api/ingest -H "$JSON" -H "Origin: $EVIL" --data-binary '{}'
http "foreign text/plain ask" 403 POST /api/ask -H 'Content-Type: text/plain' -H "Origin: $EVIL" --data-binary "$ASK"
http "foreign delete" 403 DELETE /api/sessions/s1 -H "Origin: $EVIL"
http "session survives" 200 GET /api/sessions/s1
http "null origin" 403 POST /api/ask -H "$JSON" -H 'Origin: null' --data-binary "$ASK"
json "null origin says why" "$WORK/body" "a.error.code === 'cross_origin' && a.error.message.includes('null')"
http "other port" 403 POST /api/ask -H "$JSON" -H "Origin: http://127.0.0.1:1" --data-binary "$ASK"
http "other scheme-less junk" 403 POST /api/ask -H "$JSON" -H "Origin: 127.0.0.1:$PORT" --data-binary "$ASK"
http "lookalike of an allowed one" 403 POST /api/ask -H "$JSON" -H "Origin: http://localhost:30000" --data-binary "$ASK"
http "foreign preflight" 403 OPTIONS /api/ask -H "Origin: $EVIL" -H 'Access-Control-Request-Method: POST'
no_header "foreign preflight no CORS" "Access-Control-Allow-Origin"
http "foreign GET stays open" 200 GET /api/health -H "Origin: $EVIL"
no_header "foreign GET no CORS" "Access-Control-Allow-Origin"
http "foreign page GET" 200 GET / -H "Origin: $EVIL"

# 3. The server's own page: browsers send Origin on every POST, same-origin ones too.
http "same origin" 200 POST /api/ask -H "$JSON" -H "Origin: $BASE" --data-binary "$ASK"
json "same origin answer" "$WORK/body" "a.status === 'ok'"
no_header "same origin needs no CORS" "Access-Control-Allow-Origin"
http "same origin by name" 200 POST /api/ask -H "$JSON" -H "Host: localhost:$PORT" -H "Origin: http://localhost:$PORT" --data-binary "$ASK"
http "same origin delete" 200 DELETE /api/sessions/s1 -H "Origin: $BASE"

# 4. Allowed front ends (--allow-origin, comma-separated and repeated): CORS headers on
# their responses, a preflight that lists what they may send.
http "allowed preflight" 204 OPTIONS /api/ask -H "Origin: $FRONT" -H 'Access-Control-Request-Method: POST' -H 'Access-Control-Request-Headers: content-type'
header "preflight origin" "Access-Control-Allow-Origin: $FRONT"
header "preflight methods" "Access-Control-Allow-Methods: POST"
header "preflight headers" "Access-Control-Allow-Headers: Authorization, Content-Type, Last-Event-ID"
header "preflight vary" "Vary: Origin"
http "allowed ask" 200 POST /api/ask -H "$JSON" -H "Origin: $FRONT" --data-binary "$ASK"
json "allowed answer" "$WORK/body" "a.status === 'ok'"
header "allowed origin echoed" "Access-Control-Allow-Origin: $FRONT"
header "allowed vary" "Vary: Origin"
http "allowed schema" 200 GET /api/schema -H "Origin: $FRONT"
header "allowed GET CORS" "Access-Control-Allow-Origin: $FRONT"
http "allowed job preflight" 204 OPTIONS /api/jobs/0123456789abcdef -H "Origin: $FRONT" -H 'Access-Control-Request-Method: DELETE'
header "job preflight methods" "Access-Control-Allow-Methods: GET, DELETE"
http "allowed, second of the list" 200 POST /api/ask -H "$JSON" -H 'Origin: https://front.example' --data-binary "$ASK"
header "second echoed" "Access-Control-Allow-Origin: https://front.example"
http "allowed, repeated flag" 200 POST /api/ask -H "$JSON" -H 'Origin: http://127.0.0.1:5173' --data-binary "$ASK"
http "allowed but text/plain" 415 POST /api/ask -H 'Content-Type: text/plain' -H "Origin: $FRONT" --data-binary "$ASK"
header "its error is readable" "Access-Control-Allow-Origin: $FRONT"
post_async=$(curl -s -H "$JSON" -H "Origin: $FRONT" --data-binary '{"question": "profit by segment", "async": true}' "$BASE/api/ask")
job=$(echo "$post_async" | sed -n 's/.*"job":"\([^"]*\)".*/\1/p')
curl -sN --max-time 30 -D "$WORK/headers" -o "$WORK/sse.txt" -H "Origin: $FRONT" "$BASE/api/jobs/$job/events"
header "allowed event stream" "Access-Control-Allow-Origin: $FRONT"
contains "allowed stream ends" "$WORK/sse.txt" "event: done"
stop main

# Under --token, an allowed front end's preflight (which never carries the token) still
# works; the request itself needs the token; a foreign page is refused either way.
start auth --token s3cret --allow-origin "$FRONT"
http "token preflight" 204 OPTIONS /api/ask -H "Origin: $FRONT" -H 'Access-Control-Request-Method: POST' -H 'Access-Control-Request-Headers: authorization, content-type'
header "token preflight origin" "Access-Control-Allow-Origin: $FRONT"
http "token needed" 401 POST /api/ask -H "$JSON" -H "Origin: $FRONT" --data-binary "$ASK"
header "401 readable" "Access-Control-Allow-Origin: $FRONT"
http "token given" 200 POST /api/ask -H "$JSON" -H "Origin: $FRONT" -H 'Authorization: Bearer s3cret' --data-binary "$ASK"
http "foreign with token" 403 POST /api/ask -H "$JSON" -H "Origin: $EVIL" -H 'Authorization: Bearer s3cret' --data-binary "$ASK"
stop auth

for bad in null '*' localhost:3000 'http://localhost:3000/app' 'ftp://x' 'http://' 'http://a:99999'; do
    expect_status "--allow-origin '$bad' refused" 2 "$SALESQL" serve --data "$D" --db "$DB" --allow-origin "$bad"
    contains "--allow-origin '$bad' says why" "$WORK/err" "--allow-origin wants an origin like"
done
expect_status "help" 0 "$SALESQL" serve --help
contains "help names --allow-origin" "$WORK/out" "--allow-origin ORIGIN"
contains "help names --client-connections" "$WORK/out" "--client-connections N"

# 5. A flood of half-sent requests from this one address (on loopback every client is
# 127.0.0.1): /api/health still answers at once, and every flood connection is closed by
# the server — most at once to make room, the last --client-connections (32) at the idle
# timeout (10 s).
start flood
cat >"$WORK/flood.js" <<'EOF'
// node flood.js PORT N OUT: N connections that each send half a request line and then
// nothing; OUT.ready appears when all are connected, OUT (JSON) when all were closed by
// the server or after 40 s.
const net = require('net');
const fs = require('fs');
const [port, n, out] = [Number(process.argv[2]), Number(process.argv[3]), process.argv[4]];
const t0 = Date.now();
let connected = 0;
const closed = [];
const report = (timeout) => {
    fs.writeFileSync(out, JSON.stringify({ n, connected, closed: closed.length, early: closed.filter((t) => t < 5000).length, last_ms: Math.max(0, ...closed), timeout }));
    process.exit(0);
};
for (let i = 0; i < n; i++) {
    const s = net.connect(port, '127.0.0.1');
    s.on('connect', () => {
        s.write('GET /api/health HTTP/1.1\r\nHost: 127.0.0.1');
        if (++connected === n) fs.writeFileSync(out + '.ready', '');
    });
    s.on('data', () => {});
    s.on('error', () => {});
    s.on('close', () => {
        closed.push(Date.now() - t0);
        if (closed.length === n) report(false);
    });
}
setTimeout(() => report(true), 40000);
EOF
node "$WORK/flood.js" "$PORT" 300 "$WORK/flood.json" &
FLOOD=$!
i=0
while [ ! -f "$WORK/flood.json.ready" ] && [ ! -f "$WORK/flood.json" ] && [ $i -lt 300 ]; do
    sleep 0.05
    i=$((i + 1))
done
CHECKS=$((CHECKS + 1))
code=$(curl -s -o "$WORK/body" -w '%{http_code}' --max-time 3 "$BASE/api/health")
[ "$code" = 200 ] || fail "health under a flood: HTTP $code (curl gave up after 3 s?)"
json "health body under a flood" "$WORK/body" "a.status === 'ok'"
http "metrics under a flood" 200 GET /metrics
contains "flood connections closed for room" "$WORK/body" "salesql_http_connections_closed_for_room_total"
wait $FLOOD
json "every flood connection closed by the server" "$WORK/flood.json" "a.connected === 300 && a.closed === 300 && !a.timeout && a.last_ms < 20000"
json "the excess closed at once" "$WORK/flood.json" "a.early >= 250"
http "health after the flood" 200 GET /api/health
stop flood

# Work that takes longer than the idle timeout is not cut by it: with --idle-timeout 1000
# and one worker behind a backlog, a synchronous answer and an event stream (heartbeat
# 3 s, so nothing is written for seconds) both take over a second and arrive whole.
expect_status "demo data" 0 "$SALESQL" demo --rows 200000 --out "$WORK/demo"
expect_status "demo ingest" 0 "$SALESQL" ingest --quiet --data "$WORK/demo" --db "$WORK/demo.duckdb"
SDATA="$WORK/demo"
SDB="$WORK/demo.duckdb"
start slow --workers 1 --max-rows 100000 --idle-timeout 1000 --heartbeat 3000
backlog() {
    set --
    for y in "" " in 2021" " in 2022"; do
        for q in "sales by order id" "profit by order id" "quantity by order id" "discount by order id"; do
            [ $# -gt 0 ] && set -- "$@" --next
            set -- "$@" -s -o /dev/null -H "$JSON" --data-binary "{\"question\": \"$q$y\", \"async\": true}" "$BASE/api/ask"
        done
    done
    curl "$@"
}
backlog
t0=$(date +%s%N)
http "slow answer" 200 POST /api/ask -H "$JSON" --data-binary '{"question": "unit price by order id"}'
t1=$(date +%s%N)
json "slow answer whole" "$WORK/body" "a.status === 'ok' && a.rows.length > 1000"
[ $(((t1 - t0) / 1000000)) -gt 1000 ] || echo "note: the slow answer took only $(((t1 - t0) / 1000000)) ms; the idle timeout was not put to the test" >&2
curl -s -o /dev/null -H "$JSON" --data-binary '{"question": "sales by order id in 2023", "async": true}' "$BASE/api/ask"
curl -s -o /dev/null -H "$JSON" --data-binary '{"question": "profit by order id in 2023", "async": true}' "$BASE/api/ask"
job=$(curl -s -H "$JSON" --data-binary '{"question": "discount by order id in 2024", "async": true}' "$BASE/api/ask" | sed -n 's/.*"job":"\([^"]*\)".*/\1/p')
curl -sN --max-time 60 -o "$WORK/sse.txt" "$BASE/api/jobs/$job/events"
st=$?
CHECKS=$((CHECKS + 1))
[ "$st" = 0 ] || fail "slow event stream: cut short (curl status $st): $(head -c 300 "$WORK/sse.txt")"
contains "slow event stream ends with done" "$WORK/sse.txt" "event: done"
contains "slow event stream answered" "$WORK/sse.txt" '"status":"ok"'
stop slow

# 6. Queries that would outlast their limits, from a model. The guard's cost rules refuse
# the single call no interrupt reaches (levenshtein over replace-grown string_agg values);
# a 10,000-cubed join is allowed (each vector's work is bounded) and stopped by the time
# limit, within a small constant of it, while the server goes on answering.
SRC=${SALESQL_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
node "$SRC/tests/llm_server/server.js" 0 >"$WORK/llm.out" 2>"$WORK/llm.err" &
LLM=$!
trap 'kill $LLM 2>/dev/null; rm -rf "$WORK"' EXIT
i=0
while ! grep -q '^PORT ' "$WORK/llm.out" 2>/dev/null && [ $i -lt 100 ]; do
    sleep 0.1
    i=$((i + 1))
done
export SALESQL_LLM_URL="http://127.0.0.1:$(sed -n 's/^PORT //p' "$WORK/llm.out")/v1" OPENAI_API_KEY=sk-test-bounds
unset SALESQL_LLM_MODEL SALESQL_LLM_DEEP_MODEL SALESQL_LLM_TIMEOUT_MS SALESQL_LLM_DEADLINE_MS SALESQL_LLM_MAX_ROUNDS
BOMB='{"question": "how alike are all our product names", "mode": "deep"}'
HEAVY='{"question": "compare every order line with every other two", "mode": "deep", "async": true}'
ms() { echo $(($(date +%s%N) / 1000000)); }

expect_status "cli: bomb refused" 4 "$SALESQL" ask --data "$D" --db "$DB" --no-refresh --mode deep "how alike are all our product names"
contains "cli: the refusal names the function" "$WORK/err" "levenshtein is not allowed"
t0=$(ms)
expect_status "cli: heavy query stopped" 5 "$SALESQL" sql --data "$D" --db "$DB" --no-refresh --timeout 1000 \
    "SELECT count(*) FROM mart_dyn_sample_superstore a, mart_dyn_sample_superstore b, mart_dyn_sample_superstore c WHERE a.sales * b.quantity > c.profit"
t1=$(ms)
CHECKS=$((CHECKS + 1))
[ $((t1 - t0)) -lt 6000 ] || fail "cli: a 1000 ms time limit stopped the query only after $((t1 - t0)) ms (the binary's start included)"
contains "cli: says it was stopped" "$WORK/err" "time limit of 1000 ms"

SDATA=$D
SDB=$DB
start bounds --workers 2 --timeout 2000
http "bomb answered" 200 POST /api/ask -H "$JSON" --data-binary "$BOMB"
json "bomb refused, says why" "$WORK/body" "a.status === 'rejected' && JSON.stringify(a).includes('levenshtein is not allowed')"
for i in 1 2; do
    curl -s -o "$WORK/heavy.$i" -H "$JSON" --data-binary "$HEAVY" "$BASE/api/ask"
done
sleep 0.5
t0=$(ms)
http "fast question while both workers are busy" 200 POST /api/ask -H "$JSON" --max-time 15 --data-binary '{"question": "sales by region", "mode": "fast"}'
t1=$(ms)
json "fast answer" "$WORK/body" "a.status === 'ok' && a.rows.length === 4"
echo "note: the fast question waited $((t1 - t0)) ms behind two heavy ones (budget 2000 ms)" >&2
for i in 1 2; do
    job=$(sed -n 's/.*"job":"\([^"]*\)".*/\1/p' "$WORK/heavy.$i")
    j=0
    while [ $j -lt 150 ]; do
        curl -s -o "$WORK/job.$i" "$BASE/api/jobs/$job"
        grep -q '"state":"\(done\|failed\|cancelled\)"' "$WORK/job.$i" && break
        sleep 0.1
        j=$((j + 1))
    done
    json "heavy $i stopped by its time limit" "$WORK/job.$i" "a.state === 'done' && a.answer.status === 'error' && JSON.stringify(a.answer.error).includes('time limit')"
    json "heavy $i ran within its budget and a small constant" "$WORK/job.$i" "a.run_ms < 2000 + 3000"
done
# SIGTERM with both workers inside heavy queries: the server stops within 5 s.
for i in 1 2 3; do
    curl -s -o /dev/null -H "$JSON" --data-binary "$HEAVY" "$BASE/api/ask"
done
sleep 0.7
t0=$(ms)
stop bounds
t1=$(ms)
CHECKS=$((CHECKS + 1))
[ $((t1 - t0)) -lt 5000 ] || fail "SIGTERM with both workers busy: the server took $((t1 - t0)) ms to stop"
finish
