# `salesql serve` over loopback, as the page and programs use it: every route and every
# error status (200 202 304 400 401 403 404 405 409 413 429), answers synchronous and
# asynchronous, the event stream's order and heartbeats, cancelling, a client that goes
# away, sessions and follow-ups, the schema, a refresh that adds a file, /metrics, the
# embedded page with its caching headers, the token, and a clean stop on SIGTERM (under
# the sanitizers of the test build: no leak report).
#
# SALESQL_API_QUICK=1 runs a shorter pass (the ThreadSanitizer smoke run of `make tsan`).
. "$(dirname "$0")/lib.sh"

QUICK=${SALESQL_API_QUICK:-0}
S="$DATASETS/superstore"
D="$WORK/data"
DB="$WORK/api.duckdb"
mkdir -p "$D"
cp "$S/Sample - Superstore.csv" "$D/"
expect_status "ingest" 0 "$SALESQL" ingest --quiet --data "$D" --db "$DB"

# post NAME STATUS PATH JSON [CURL ARGS...]
post() {
    n=$1
    want=$2
    p=$3
    body=$4
    shift 4
    http "$n" "$want" POST "$p" -H 'Content-Type: application/json' --data-binary "$body" "$@"
}

header() { # NAME HEADER-LINE-PREFIX: the last response has that header line
    CHECKS=$((CHECKS + 1))
    grep -qi "^$2" "$WORK/headers" || fail "$1: no '$2' in: $(tr -d '\r' <"$WORK/headers" | head -20)"
}

metric() { # NAME: the value of one metric line (labels included) from /metrics
    curl -s "$BASE/metrics" | awk -v k="$1" '$1 == k { print $2 }'
}

# Distinct questions over the demo data (so that none is answered from the cache), one
# per line: breakdowns by order id, up to 100,000 rows each, a fraction of a second in the
# test build, so that a burst of them keeps one worker busy for seconds (the honest way
# to fill the queue).
questions() {
    qn=0
    for qy in "" " in 2021" " in 2022" " in 2023" " in 2024"; do
        for qm in sales profit quantity discount "unit price"; do
            for qd in "order id" "customer name by month"; do
                qn=$((qn + 1))
                [ $qn -gt "$1" ] && return
                echo "$qm by $qd$qy"
            done
        done
    done
}

# burst PREFIX N: N asynchronous questions at once (curl --parallel); the statuses are in
# $WORK/PREFIX.codes, each body in $WORK/PREFIX.I.body and headers in $WORK/PREFIX.I.h.
burst() {
    prefix=$1
    n=$2
    questions "$n" >"$WORK/$prefix.q"
    set --
    i=0
    while IFS= read -r q; do
        i=$((i + 1))
        [ $i -gt 1 ] && set -- "$@" --next
        set -- "$@" -s -X POST -H 'Content-Type: application/json' \
            --data-binary "{\"question\": \"$q\", \"async\": true}" \
            -o "$WORK/$prefix.$i.body" -D "$WORK/$prefix.$i.h" -w '%{http_code}\n' "$BASE/api/ask"
    done <"$WORK/$prefix.q"
    curl --silent --parallel --parallel-immediate --parallel-max 100 "$@" >"$WORK/$prefix.codes" 2>/dev/null
}

# wait_job ID: polls GET /api/jobs/ID until it has finished; the job is left in $WORK/body.
wait_job() {
    i=0
    while [ $i -lt 600 ]; do
        req GET "/api/jobs/$1"
        grep -q -e '"state":"done"' -e '"state":"failed"' -e '"state":"cancelled"' "$WORK/body" && return
        sleep 0.05
        i=$((i + 1))
    done
}

start main --workers 2 --heartbeat 100

# Health, the page, routes and methods.
http "health" 200 GET /api/health
cp "$WORK/body" "$WORK/health.json"
json "health body" "$WORK/health.json" "a.status === 'ok' && a.version === '0.1.0' && a.data.marts === 1 && a.data.rows === 9994 && a.queue.capacity === 64 && a.queue.workers === 2 && a.auth === false"
http "page" 200 GET /
header "page type" "Content-Type: text/html"
header "page etag" "ETag: \""
header "page revalidated" "Cache-Control: no-cache"
etag=$(tr -d '\r' <"$WORK/headers" | sed -n 's/^[Ee][Tt][Aa][Gg]: //p')
contains "page html" "$WORK/body" "<html"
http "page unchanged" 304 GET / -H "If-None-Match: $etag"
http "page changed" 200 GET / -H 'If-None-Match: "0000000000000000"'
http "page head" 200 HEAD / -I
http "script" 200 GET /app.js
header "script type" "Content-Type: text/javascript"
for f in "$SALESQL_SRC"/third_party/web/*.js; do
    [ -f "$f" ] || continue
    b=$(basename "$f")
    http "vendor $b" 200 GET "/vendor/$b"
    header "vendor $b cached" "Cache-Control: public, max-age="
    CHECKS=$((CHECKS + 1))
    cmp -s "$WORK/body" "$f" || fail "vendor $b: served bytes differ from $f"
done
http "no page" 404 GET /nope.html
json "404 body" "$WORK/body" "a.error.code === 'not_found'"
http "no api route" 404 GET /api/nope
http "no job" 404 GET /api/jobs/0123456789abcdef
http "bad job id" 404 GET /api/jobs/..%2F..%2Fetc
http "no session" 404 GET /api/sessions/nobody
http "ask is POST" 405 GET /api/ask
header "allow" "Allow: POST"
http "schema is GET" 405 PUT /api/schema
http "health is GET" 405 DELETE /api/health
http "page is GET" 405 POST / --data-binary x
# Every route's methods, as its 405 lists them (a row of the route table in server.c).
for ra in "/api/health|GET, HEAD" "/api/ask|POST" "/api/jobs/j1|GET, HEAD, DELETE" \
    "/api/jobs/j1/events|GET, HEAD" "/api/jobs/j1/cancel|POST" "/api/schema|GET, HEAD" \
    "/api/ingest|POST" "/api/suggest|GET, HEAD" "/api/sessions/s1|GET, HEAD, DELETE" \
    "/metrics|GET, HEAD" "/|GET, HEAD"; do
    p=${ra%%|*}
    http "$p takes no PUT" 405 PUT "$p"
    CHECKS=$((CHECKS + 1))
    got=$(tr -d '\r' <"$WORK/headers" | sed -n 's/^[Aa]llow: //p')
    [ "$got" = "${ra#*|}" ] || fail "$p: Allow: [$got], expected [${ra#*|}]"
done
http "foreign host" 403 GET /api/health -H 'Host: attacker.example'

# Answers, synchronous.
post "ask" 200 /api/ask '{"question": "Show top 5 regions by sales in Q3 2016"}'
header "ask json" "Content-Type: application/json"
cp "$WORK/body" "$WORK/a.json"
json "answer keys" "$WORK/a.json" "['question','status','mode','sql','columns','rows','row_count','truncated','interpretation','insights','chart','cached','timings_ms','llm','error'].every(k => k in a)"
json "answer" "$WORK/a.json" "a.status === 'ok' && a.rows[0][0] === 'West' && Math.abs(a.rows[0][1] - 50719.61) < 0.01 && a.interpretation.startsWith('Total sales by region')"
for i in 1 2 3; do post "ask again $i" 200 /api/ask '{"question": "Show top 5 regions by sales in Q3 2016"}'; done
json "cached" "$WORK/body" "a.status === 'ok' && a.rows.length === 4"
post "declined" 200 /api/ask '{"question": "sales by zodiac sign in 2016"}'
json "declined answer" "$WORK/body" "a.status === 'unsupported' && a.unplaced.some(u => u.word === 'zodiac') && a.suggestions.length > 0"
post "deep without a model" 200 /api/ask '{"question": "sales by region", "mode": "deep"}'
json "deep answer" "$WORK/body" "a.status === 'error' && a.mode === 'deep'"

# Malformed requests.
post "not json" 400 /api/ask '{"question": '
json "not json says why" "$WORK/body" "a.error.code === 'bad_json' && /line 1/.test(a.error.message)"
post "not an object" 400 /api/ask '["sales"]'
post "no question" 400 /api/ask '{"mode": "fast"}'
post "question not a string" 400 /api/ask '{"question": 42}'
post "bad mode" 400 /api/ask '{"question": "sales", "mode": "sideways"}'
post "bad session" 400 /api/ask '{"question": "sales", "session": "../x"}'
post "bad async" 400 /api/ask '{"question": "sales", "async": "yes"}'
post "unknown field" 400 /api/ask '{"question": "sales", "asynch": true}'
json "unknown field named" "$WORK/body" "a.error.message.includes('asynch')"
post "duplicate key" 400 /api/ask '{"question": "sales", "question": "profit"}'
post "empty body" 400 /api/ask ''
head -c 70000 /dev/zero | tr '\0' 'a' >"$WORK/big.txt"
http "body too large" 413 POST /api/ask -H 'Content-Type: application/json' --data-binary @"$WORK/big.txt"
json "413 body" "$WORK/body" "a.error.code === 'too_large'"
http "chunked body too large" 413 POST /api/ask -H 'Content-Type: application/json' -H 'Transfer-Encoding: chunked' --data-binary @"$WORK/big.txt"

# Asynchronous answers: 202, polling, and the event stream in pipeline order.
post "async" 202 /api/ask '{"question": "profit by segment in 2015", "async": true}'
json "async body" "$WORK/body" "/^[0-9a-f]{16}$/.test(a.job) && a.state === 'queued' && a.events === '/api/jobs/' + a.job + '/events'"
job=$(node -e "console.log(JSON.parse(require('fs').readFileSync('$WORK/body','utf8')).job)")
wait_job "$job"
json "polled" "$WORK/body" "a.id === '$job' && a.state === 'done' && a.answer.status === 'ok' && a.answer.interpretation.startsWith('Total profit by segment, 2015') && a.error === null && a.stage === 'writing insights'"
post "async for events" 202 /api/ask '{"question": "quantity by ship mode in 2017", "async": true}'
job=$(node -e "console.log(JSON.parse(require('fs').readFileSync('$WORK/body','utf8')).job)")
curl -sN --max-time 30 -D "$WORK/sse.h" "$BASE/api/jobs/$job/events" >"$WORK/sse.txt"
cp "$WORK/sse.h" "$WORK/headers"
header "event stream type" "Content-Type: text/event-stream"
node -e "
const t = require('fs').readFileSync('$WORK/sse.txt', 'utf8');
const blocks = t.split('\n\n').filter(b => b.trim());
const events = [], comments = [];
for (const b of blocks) {
  const ev = {};
  for (const line of b.split('\n')) {
    if (line.startsWith(':')) comments.push(line);
    else { const i = line.indexOf(': '); ev[line.slice(0, i)] = line.slice(i + 2); }
  }
  if (ev.event) events.push(ev);
}
const names = events.map(e => e.event === 'stage' ? JSON.parse(e.data).stage : e.event);
const done = JSON.parse(events[events.length - 1].data);
const ids = events.map(e => Number(e.id));
require('fs').writeFileSync('$WORK/sse.json', JSON.stringify({names, comments, done, ids}));
"
json "event order" "$WORK/sse.json" "a.names.join(',') === 'understanding,validating,running,writing insights,done'"
json "event ids" "$WORK/sse.json" "a.ids.every((v, i) => v === i + 1)"
json "done event" "$WORK/sse.json" "a.done.state === 'done' && a.done.answer.status === 'ok' && a.done.answer.rows.length > 0"
json "stream comments" "$WORK/sse.json" "a.comments.length >= 1"
curl -sN --max-time 30 -H 'Last-Event-ID: 3' "$BASE/api/jobs/$job/events" >"$WORK/sse2.txt"
CHECKS=$((CHECKS + 1))
[ "$(grep -c '^event:' "$WORK/sse2.txt")" = 2 ] || fail "Last-Event-ID: expected 2 events after id 3, got: $(cat "$WORK/sse2.txt" | head -c 500)"
http "no events" 404 GET /api/jobs/0123456789abcdef/events
http "cancel finished" 409 DELETE "/api/jobs/$job"
json "cancel finished says so" "$WORK/body" "a.error.code === 'finished'"

# Sessions: a follow-up edits the session's last question; history re-opens answers.
post "session 1" 200 /api/ask '{"question": "sales by category in 2016", "session": "t1"}'
json "session 1 answer" "$WORK/body" "a.interpretation.startsWith('Total sales by category, 2016')"
post "follow-up" 200 /api/ask '{"question": "now by quarter", "session": "t1"}'
json "follow-up answer" "$WORK/body" "a.status === 'ok' && a.interpretation.startsWith('Total sales by quarter, 2016')"
post "follow-up async" 202 /api/ask '{"question": "only Furniture", "session": "t1", "async": true}'
job=$(node -e "console.log(JSON.parse(require('fs').readFileSync('$WORK/body','utf8')).job)")
wait_job "$job"
json "follow-up async answer" "$WORK/body" "a.session === 't1' && a.answer.interpretation.includes('where category is Furniture, 2016')"
post "other session is fresh" 200 /api/ask '{"question": "now by quarter", "session": "t2"}'
json "fresh session declines" "$WORK/body" "a.status === 'unsupported'"
http "history" 200 GET /api/sessions/t1
json "history entries" "$WORK/body" "a.id === 't1' && a.history.length === 3 && a.history[0].question === 'sales by category in 2016' && a.history[1].answer.status === 'ok' && a.history[2].answer.interpretation.includes('Furniture') && a.follow_up === true"
http "forget session" 200 DELETE /api/sessions/t2
http "forgotten" 404 GET /api/sessions/t2

# The schema with its ingest status, and suggestions.
http "schema" 200 GET /api/schema
cp "$WORK/body" "$WORK/schema.json"
json "schema marts" "$WORK/schema.json" "a.marts.length === 1 && a.marts[0].name === 'mart_dyn_sample_superstore' && a.marts[0].columns.some(c => c.name === 'region' && c.role === 'dimension')"
json "schema files" "$WORK/schema.json" "a.files.length === 1 && a.files[0].status === 'ok' && 'playbook' in a && Array.isArray(a.joins)"
json "schema model" "$WORK/schema.json" "a.model.entities.length === 1 && a.model.measures.some(m => m.name === 'discount' && m.kind === 'rate' && m.aggregation === 'avg') && a.model.dates.some(d => d.column === 'ship_date' && d.role === 'shipped') && typeof a.refreshed_at === 'string'"
json "ingest status" "$WORK/schema.json" "a.ingest.files === 1 && a.ingest.rows === 9994 && a.ingest.refreshing === false && a.ingest.errors.length === 0 && a.ingest.generation === 1 && typeof a.ingest.last_refresh === 'string'"
http "suggest" 200 GET '/api/suggest?q=top%205'
json "suggest patterns" "$WORK/body" "a.suggestions.some(s => s.kind === 'question' && s.text.startsWith('top 5 ') && / by /.test(s.text))"
http "suggest column" 200 GET '/api/suggest?q=profit%20by%20reg'
json "suggest column text" "$WORK/body" "a.suggestions.some(s => s.text === 'profit by region' && s.kind === 'column')"
http "suggest value" 200 GET '/api/suggest?q=sales%20for%20office%20sup'
json "suggest value text" "$WORK/body" "a.suggestions.some(s => s.text === 'sales for Office Supplies' && s.kind === 'value')"
# Ranked: whole questions and the data's measures before the thousands of values.
http "suggest measure first" 200 GET '/api/suggest?q=monthly%20s'
json "suggest measure before values" "$WORK/body" "a.suggestions[0].text === 'monthly sales in 2017' && a.suggestions[1].text === 'monthly sales' && a.suggestions[1].kind === 'column'"
http "suggest questions first" 200 GET '/api/suggest?q=top'
json "suggest questions before product names" "$WORK/body" "a.suggestions.length === 8 && a.suggestions.every(s => s.kind === 'question')"
http "suggest few-valued first" 200 GET '/api/suggest?q=wes'
json "suggest the region before the cities" "$WORK/body" "a.suggestions[0].text === 'West' && a.suggestions[0].detail === 'region'"
http "suggest empty" 200 GET '/api/suggest'
json "suggest empty questions" "$WORK/body" "a.suggestions.length > 0"

# A refresh after a file arrives: the new mart appears and answers.
printf 'region,target\nWest,800000\nEast,700000\nCentral,500000\nSouth,400000\n' >"$D/targets.csv"
post "ingest" 200 /api/ingest '{}'
json "ingest report" "$WORK/body" "a.report.loaded === 1 && a.report.files === 2 && a.generation === 2"
http "schema after" 200 GET /api/schema
json "new mart" "$WORK/body" "a.marts.some(m => m.name === 'mart_dyn_targets') && a.ingest.generation === 2 && a.ingest.last_report.loaded === 1"
post "ask new mart" 200 /api/ask '{"question": "target by region"}'
json "new mart answer" "$WORK/body" "a.status === 'ok' && a.sql.includes('mart_dyn_targets')"
post "ask old mart after ingest" 200 /api/ask '{"question": "Show top 5 regions by sales in Q3 2016"}'
json "old mart answer" "$WORK/body" "a.status === 'ok' && a.rows[0][0] === 'West'"
post "ingest bad body" 400 /api/ingest '{"fast": true}'

# Metrics.
http "metrics" 200 GET /metrics
header "metrics type" "Content-Type: text/plain; version=0.0.4"
for m in 'salesql_http_requests_total{route="/api/ask",status="200"}' \
    'salesql_http_requests_total{route="/api/ask",status="400"}' \
    'salesql_http_request_duration_seconds_bucket{route="/api/ask",le="+Inf"}' \
    'salesql_queue_depth' 'salesql_queue_capacity 64' 'salesql_jobs_total{state="done"}' \
    'salesql_jobs{state="running"}' 'salesql_answers_total{status="ok"}' 'salesql_cache_hits_total' \
    'salesql_llm_calls_total 0' 'salesql_llm_prompt_tokens_total 0' 'salesql_ingests_total 1' \
    'salesql_sessions' 'salesql_jobs_rejected_total'; do
    contains "metric $m" "$WORK/body" "$m"
done
hits=$(metric salesql_cache_hits_total)
CHECKS=$((CHECKS + 1))
[ "${hits:-0}" -ge 2 ] || fail "cache hits: $hits, expected at least 2 after asking one question four times"
stop main

# A full queue sheds load: one worker, room for two waiting questions, a burst of 30.
# The demo data (200,000 rows) for questions that take a while.
expect_status "demo data" 0 "$SALESQL" demo --rows 200000 --out "$WORK/demo"
expect_status "demo ingest" 0 "$SALESQL" ingest --quiet --data "$WORK/demo" --db "$WORK/demo.duckdb"
SDATA="$WORK/demo"
SDB="$WORK/demo.duckdb"

# The time budget: a question that runs longer is stopped and says so.
start budget --timeout 50 --max-rows 100000
post "over budget" 200 /api/ask '{"question": "sales by customer name by month"}'
json "over budget answer" "$WORK/body" "a.status === 'error' && a.error.code === 'timeout' && /time limit|budget/.test(a.error.message)"
stop budget

start busy --workers 1 --queue 2 --max-rows 100000
burst b 30
n429=$(grep -c '^429$' "$WORK/b.codes")
n202=$(grep -c '^202$' "$WORK/b.codes")
CHECKS=$((CHECKS + 1))
[ "$n429" -ge 1 ] && [ $((n429 + n202)) = 30 ] || fail "burst: expected 202s and 429s, got $(sort "$WORK/b.codes" | uniq -c | tr '\n' ' ')"
for i in $(seq 1 30); do
    if grep -q '^HTTP/1.1 429' "$WORK/b.$i.h"; then
        cp "$WORK/b.$i.h" "$WORK/headers"
        header "429 retry-after" "Retry-After: 1"
        cp "$WORK/b.$i.body" "$WORK/body"
        json "429 body" "$WORK/body" "a.error.code === 'busy'"
        break
    fi
done
# Every accepted question is answered.
for i in $(seq 1 30); do
    grep -q '"job"' "$WORK/b.$i.body" || continue
    job=$(node -e "console.log(JSON.parse(require('fs').readFileSync('$WORK/b.$i.body','utf8')).job)")
    wait_job "$job"
    json "burst job $i" "$WORK/body" "a.state === 'done' && a.answer.status === 'ok'"
done
req GET /metrics
contains "rejected counted" "$WORK/body" "salesql_jobs_rejected_total $n429"
# SIGTERM with questions in flight: they are cancelled and the server exits cleanly.
burst s 30
stop busy

# Cancelling, and clients that go away, behind a backlog: 40 questions of 50 ms (release
# build) to 150 ms (sanitizers) each on one worker.
if [ "$QUICK" = 0 ]; then
    # 40 connections at once from one address: more than --client-connections allows by
    # default (32, test_security.sh), so allow them.
    start slow --workers 1 --max-rows 100000 --client-connections 64
    burst c 40
    # The job ids, read once (a node start per lookup would let the backlog drain).
    for i in $(seq 1 40); do sed -n 's/.*"job":"\([^"]*\)".*/\1/p' "$WORK/c.$i.body"; echo; done >"$WORK/c.ids"
    id_of() { sed -n "${1}p" "$WORK/c.ids"; }
    last=$(id_of 40)
    http "cancel queued" 200 DELETE "/api/jobs/$last"
    json "cancelled" "$WORK/body" "a.state === 'cancelled' && a.error.code === 'cancelled' && a.answer === null && a.run_ms === 0"
    http "cancel again" 409 POST "/api/jobs/$last/cancel"
    json "cancel again says so" "$WORK/body" "a.error.code === 'finished' && a.error.message.includes('cancelled')"
    # The running one: cancel the jobs in order until one that had started (run_ms > 0) is
    # stopped. A job that finishes first answers 409; one still queued (the worker was
    # between two) is simply cancelled. Stop there: the rest stay queued for what follows.
    caught=0
    seen=""
    for i in $(seq 1 38); do
        req POST "/api/jobs/$(id_of "$i")/cancel"
        seen="$seen $i:$CODE"
        [ "$CODE" = 200 ] || continue
        grep -q '"run_ms":0[,}]' "$WORK/body" && continue
        caught=1
        json "running cancelled" "$WORK/body" "a.state === 'cancelled' && a.error.code === 'cancelled' && a.run_ms > 0 && (a.answer === null || a.answer.status === 'ok' || a.answer.error.message.includes('cancelled by a client'))"
        break
    done
    CHECKS=$((CHECKS + 1))
    [ $caught = 1 ] || fail "cancel running: never caught a running job (states:$seen)"
    before=$(metric 'salesql_jobs_total{state="cancelled"}')
    # A synchronous question whose client gives up while it waits in the queue.
    curl -s --max-time 0.2 -o /dev/null -H 'Content-Type: application/json' \
        --data-binary '{"question": "sales by state by month in 2014"}' "$BASE/api/ask"
    # An event stream closed while its job waits.
    job=$(id_of 39)
    curl -sN --max-time 0.2 -o /dev/null "$BASE/api/jobs/$job/events"
    wait_job "$job"
    json "closed stream cancels its job" "$WORK/body" "a.state === 'cancelled' && a.error.message.includes('event stream')"
    sleep 0.5
    after=$(metric 'salesql_jobs_total{state="cancelled"}')
    CHECKS=$((CHECKS + 1))
    [ "$after" -ge $((before + 2)) ] || fail "clients that went away: cancelled jobs $before -> $after, expected 2 more"
    stop slow
fi

# The token: /api and /metrics need it; the page and /api/health do not.
start auth --token s3cret
http "health open" 200 GET /api/health
json "health says auth" "$WORK/body" "a.auth === true"
http "page open" 200 GET /
http "no token" 401 GET /api/schema
header "challenge" "WWW-Authenticate: Bearer"
json "401 body" "$WORK/body" "a.error.code === 'unauthorized'"
http "wrong token" 401 GET /api/schema -H 'Authorization: Bearer s3creT'
http "longer token" 401 GET /api/schema -H 'Authorization: Bearer s3cret2'
http "token" 200 GET /api/schema -H 'Authorization: Bearer s3cret'
post "ask without token" 401 /api/ask '{"question": "sales by region"}'
post "ask with token" 200 /api/ask '{"question": "sales by region"}' -H 'Authorization: Bearer s3cret'
http "metrics need it" 401 GET /metrics
http "metrics with token" 200 GET /metrics -H 'Authorization: Bearer s3cret'
http "unknown route still 401" 401 GET /api/nope
# Every route of the table but /api/health and the page needs it.
for mp in "GET /api/jobs/j1" "DELETE /api/jobs/j1" "GET /api/jobs/j1/events" \
    "POST /api/jobs/j1/cancel" "POST /api/ingest" "GET /api/suggest" "GET /api/sessions/s1" \
    "DELETE /api/sessions/s1"; do
    http "$mp needs it" 401 $mp
done
stop auth

# Usage.
expect_status "bad port" 2 "$SALESQL" serve --data "$D" --db "$DB" --port 70000
expect_status "bad workers" 2 "$SALESQL" serve --data "$D" --db "$DB" --workers 0
expect_status "help" 0 "$SALESQL" serve --help
contains "help text" "$WORK/out" "Usage: salesql serve"
finish
