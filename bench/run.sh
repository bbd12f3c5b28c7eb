#!/bin/sh
# Runs every benchmark; each prints its figures. Record them, with the machine, in
# bench/RESULTS.md.
set -eu
cd "$(dirname "$0")"
for b in ingest.sh refresh.sh guard.sh bounds.sh nlsql.sh load.sh; do
    echo "== $b"
    sh "./$b"
done
