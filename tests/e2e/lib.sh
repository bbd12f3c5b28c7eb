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
