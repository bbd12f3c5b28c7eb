#!/bin/sh
# Installs the Debian packages salesql builds and tests with, when they are missing.
# As root it runs apt-get itself; otherwise it prints the one command to run and fails.
# Usage: scripts/deps.sh [build|test]   (test adds what the test suite needs)
set -eu
want="cmake make gcc pkg-config libmicrohttpd-dev libcurl4-openssl-dev libjansson-dev libyaml-dev libuchardet-dev libpg-query-dev npm"
if [ "${1:-build}" = test ]; then
    # curl drives the API tests; chromium the browser tests; wrk the load benchmark.
    want="$want libcmocka-dev curl chromium wrk"
fi
missing=""
for p in $want; do
    if [ "$p" = npm ] && command -v npm >/dev/null 2>&1; then continue; fi
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -eq 0 ]; then
    echo "salesql: installing Debian packages:$missing" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing >&2
else
    echo "salesql: missing Debian packages:$missing" >&2
    echo "run:  sudo apt-get install -y$missing" >&2
    exit 1
fi
