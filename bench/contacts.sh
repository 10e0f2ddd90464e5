#!/usr/bin/env bash
# Contacts benchmark: loads demo contacts, signs in, and times the contact pages.
#
#   bench/contacts.sh                          # 1,000,000 contacts in a throwaway cluster
#   BENCH_CONTACTS=100000 bench/contacts.sh    # a smaller load
#   BENCH_DATABASE=yes DATABASE_URL=postgres://… bench/contacts.sh  # an existing database (contacts are ADDED)
#
# Settings (environment):
#   BENCH_CONTACTS   contacts to load first (default 1000000; 0 = use what is there)
#   BENCH_SEED       demo-data seed (default 1)
#   BENCH_RUNS       timed requests per page (default 7, after one untimed warm-up)
#   BENCH_EXPORT_RUNS  timed CSV exports (default 3)
#   BENCH_SEARCH     search fragment (default "ansen": Hansen, Johansen, Christiansen…)
#   BENCH_COUNTRY, BENCH_INDUSTRY  filter of the filtered list (default DK, RETAIL)
#   BENCH_TIMEOUT    seconds after which the whole run is stopped (default 3600)
#   RAPPORT_DATA_DIR a private cluster to use and keep (default: a temp dir, removed)
#   DATABASE_URL     an existing database instead of a private cluster (with BENCH_DATABASE=yes)
#
# Everything runs on this machine: the server listens on 127.0.0.1 only, and curl talks to
# nothing else. Everything started here is stopped at the end, also on Ctrl-C or timeout.

set -euo pipefail

cd "$(dirname "$0")/.."

CONTACTS=${BENCH_CONTACTS:-1000000}
SEED=${BENCH_SEED:-1}
RUNS=${BENCH_RUNS:-7}
EXPORT_RUNS=${BENCH_EXPORT_RUNS:-3}
SEARCH=${BENCH_SEARCH:-ansen}
COUNTRY=${BENCH_COUNTRY:-DK}
INDUSTRY=${BENCH_INDUSTRY:-RETAIL}
TIMEOUT=${BENCH_TIMEOUT:-3600}

BENCH_NAME=bench
. bench/common.sh

bench_start
bench_build
bench_load "$CONTACTS" "$SEED"
CARD_NO=${BENCH_CARD:-${FIRST_NO:-CT000001}}
bench_admin
start_server
TOKEN_PAGE=/contacts sign_in
# The pages are timed, not kept.
REQUEST_BODY=/dev/null

# --- measure ------------------------------------------------------------------------------------
ROWS=()
# measure NAME URL RUNS MAX_TIME [warm-up]
measure() {
    local name=$1 url=$2 runs=$3 max_time=$4 warm=${5:-1} codes="" server_ms=() total_ms=() bytes=0 line code s t b
    if [[ $warm == 1 ]]; then request GET "$url" "$max_time" >/dev/null; fi
    for _ in $(seq 1 "$runs"); do
        line=$(request GET "$url" "$max_time")
        read -r code s t b <<<"$line"
        codes="$codes $code"
        [[ "$s" != "-" ]] && server_ms+=("$s")
        total_ms+=("$t")
        bytes=$b
    done
    local status
    status=$(printf '%s\n' $codes | sort -u | paste -sd/ -)
    local smed="-" smax="-"
    if [[ ${#server_ms[@]} -gt 0 ]]; then
        smed=$(printf '%s\n' "${server_ms[@]}" | median)
        smax=$(printf '%s\n' "${server_ms[@]}" | maximum)
    fi
    local tmed tmax
    tmed=$(printf '%s\n' "${total_ms[@]}" | median)
    tmax=$(printf '%s\n' "${total_ms[@]}" | maximum)
    ROWS+=("$(printf '%-22s %-7s %10s %10s %10s %10s %12s' "$name" "$status" "$smed" "$smax" "$tmed" "$tmax" "$bytes")")
    log "$name ($url): status $status, server median ${smed} ms, total median ${tmed} ms"
}

measure "list (first page)" "/contacts" "$RUNS" 60
measure "search name" "/contacts?q=$SEARCH" "$RUNS" 60
measure "filtered list" "/contacts?country=$COUNTRY&industry_group=$INDUSTRY" "$RUNS" 60
measure "contact card" "/contacts/$CARD_NO" "$RUNS" 60

HWM_BEFORE=$(proc_kib "$SERVER_PID" VmHWM)
RSS_BEFORE=$(proc_kib "$SERVER_PID" VmRSS)
measure "CSV export" "/contacts/export.csv" "$EXPORT_RUNS" 600 0
HWM_AFTER=$(proc_kib "$SERVER_PID" VmHWM)
RSS_AFTER=$(proc_kib "$SERVER_PID" VmRSS)

# --- report -------------------------------------------------------------------------------------
echo
echo "Rapport contacts benchmark — $(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
if [[ "$CONTACTS" -gt 0 ]]; then
    echo "Contacts loaded: $CONTACTS (seed $SEED) in ${LOAD_OWN:--} s by demo-data's own clock (${LOAD_SECONDS} s with the cluster's start and stop)"
else
    echo "Contacts loaded: none (the pages show the contacts already in the database)"
fi
echo "Card: $CARD_NO; search: \"$SEARCH\"; filter: country=$COUNTRY industry_group=$INDUSTRY"
echo "Runs per page: $RUNS after one warm-up (CSV export: $EXPORT_RUNS, no warm-up). Times in ms."
echo
printf '%-22s %-7s %10s %10s %10s %10s %12s\n' "page" "status" "server med" "server max" "total med" "total max" "bytes"
printf '%s\n' "${ROWS[@]}"
echo
echo "Server memory (kB) around the CSV exports: VmHWM $HWM_BEFORE -> $HWM_AFTER, VmRSS $RSS_BEFORE -> $RSS_AFTER"
echo "(server = the Server-Timing header, time to the response head; total = curl's time_total,"
echo " which for the streamed CSV export includes sending every row)"
