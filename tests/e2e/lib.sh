# Helpers for the end-to-end tests: they drive the real salesql binary ($SALESQL) the way
# a user would and compare what it prints. Sourced by tests/e2e/test_*.sh.
set -u
: "${SALESQL:?set SALESQL to the salesql binary}"
: "${SALESQL_SHARED:=$(dirname "$0")/../../../shared}"
DATASETS="$SALESQL_SHARED/datasets"
WORK=$(mktemp -d /tmp/salesql-e2e-XXXXXX)
trap 'rm -rf "$WORK"' EXIT
FAILS=0
CHECKS=0

fail() {
    echo "FAIL: $*" >&2
    FAILS=$((FAILS + 1))
}

# value DATA DB SQL: the single value a one-row, one-column query returns.
value() {
    "$SALESQL" sql --quiet --data "$1" --db "$2" --format csv "$3" | sed -n '2p' | tr -d '\r' |
        sed -e 's/^"\(.*\)"$/\1/' -e 's/""/"/g'
}

# check NAME EXPECTED DATA DB SQL
check() {
    CHECKS=$((CHECKS + 1))
    got=$(value "$3" "$4" "$5")
    if [ "$got" != "$2" ]; then
        fail "$1: expected [$2], got [$got] from: $5"
    fi
}

# expect_status NAME STATUS COMMAND...: runs the command and checks its exit status.
expect_status() {
    CHECKS=$((CHECKS + 1))
    name=$1
    want=$2
    shift 2
    "$@" >"$WORK/out" 2>"$WORK/err"
    st=$?
    if [ "$st" != "$want" ]; then
        fail "$name: exit status $st, expected $want; stderr: $(head -c 400 "$WORK/err")"
    fi
}

# contains NAME FILE TEXT
contains() {
    CHECKS=$((CHECKS + 1))
    if ! grep -qF -- "$3" "$2"; then
        fail "$1: [$3] not in $(head -c 600 "$2")"
    fi
}

finish() {
    if [ "$FAILS" -ne 0 ]; then
        echo "$FAILS of $CHECKS checks failed" >&2
        exit 1
    fi
    echo "all $CHECKS checks passed"
}

# ---- `salesql serve` over loopback (test_api.sh, test_security.sh) ----

# json NAME FILE JS: evaluates a JavaScript expression over the parsed JSON as `a`.
json() {
    CHECKS=$((CHECKS + 1))
    if ! node -e "const a = JSON.parse(require('fs').readFileSync('$2', 'utf8')); if (!($3)) { console.error(JSON.stringify(a).slice(0, 800)); process.exit(1); }" 2>"$WORK/js.err"; then
        fail "$1: $3 is false for $(head -c 900 "$WORK/js.err")"
    fi
}

# start NAME ARGS...: starts `salesql serve` on a port the kernel picks (--port 0) over
# ${SDATA:-$D} and ${SDB:-$DB}, and waits for /api/health; sets PID, BASE and PORT.
start() {
    name=$1
    shift
    "$SALESQL" serve --data "${SDATA:-$D}" --db "${SDB:-$DB}" --port 0 "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" &
    PID=$!
    BASE=""
    i=0
    while [ $i -lt 600 ]; do
        url=$(sed -n 's|.*on \(http://[^ ]*\)/ .*|\1|p' "$WORK/$name.out" 2>/dev/null)
        if [ -n "$url" ]; then
            BASE=$url
            break
        fi
        kill -0 $PID 2>/dev/null || break
        sleep 0.1
        i=$((i + 1))
    done
    CHECKS=$((CHECKS + 1))
    if [ -z "$BASE" ]; then
        fail "$name: the server did not start: $(head -c 600 "$WORK/$name.err")"
        finish
    fi
    PORT=${BASE##*:}
    curl -s -o /dev/null --retry 20 --retry-connrefused --retry-delay 0 "$BASE/api/health"
}

# stop NAME: SIGTERM, then the exit status must be 0 and stderr free of sanitizer reports.
stop() {
    kill -TERM $PID
    wait $PID
    st=$?
    CHECKS=$((CHECKS + 1))
    [ "$st" = 0 ] || fail "$1: exit status $st after SIGTERM; stderr: $(tail -c 1500 "$WORK/$1.err")"
    CHECKS=$((CHECKS + 1))
    if grep -q -e 'Sanitizer' -e 'runtime error' "$WORK/$1.err"; then
        fail "$1: sanitizer report: $(grep -A30 -e 'Sanitizer' -e 'runtime error' "$WORK/$1.err" | head -60)"
    fi
}

# req METHOD PATH [CURL ARGS...]: the response body goes to $WORK/body, its headers to
# $WORK/headers, its status to $CODE.
req() {
    m=$1
    p=$2
    shift 2
    CODE=$(curl -s -o "$WORK/body" -D "$WORK/headers" -w '%{http_code}' -X "$m" "$@" "$BASE$p")
}

# http NAME STATUS METHOD PATH [CURL ARGS...]
http() {
    n=$1
    want=$2
    shift 2
    req "$@"
    CHECKS=$((CHECKS + 1))
    [ "$CODE" = "$want" ] || fail "$n: HTTP $CODE, expected $want: $(head -c 400 "$WORK/body")"
}
