#!/usr/bin/env bash
# Rapport's own work per page view, as the instructions it runs (valgrind's callgrind): the same
# count from run to run whatever else the machine does, where requests/s under load move by
# 15-20 % with the machine (bench/load.sh). For comparing two builds page by page.
#
#   RAPPORT_DATA_DIR=/srv/bench bench/instructions.sh       # the pages of kept data
#   BENCH_CONTACTS=100000 bench/instructions.sh               # a new private cluster
#   BENCH_BEFORE=/tmp/rapport-old RAPPORT_DATA_DIR=/srv/bench bench/instructions.sh
#                                                             # another build next to this one
#
# Builds Rapport in release (unless RAPPORT_BIN names a binary), starts it under callgrind on
# 127.0.0.1 (its private PostgreSQL as usual, not counted), signs in an admin like a browser,
# and for each page views it 10 times, then counts BENCH_VIEWS views (each answered 200). The
# count covers all of Rapport's threads (HTTP, middleware, statements sent and rows read,
# rendering); not PostgreSQL's work, nor the time waiting for it.
#
# Settings (environment):
#   BENCH_CONTACTS  contacts to load first (default 100000; 0 = use what is there)
#   BENCH_SEED      demo-data seed (default 1)
#   BENCH_VIEWS     views counted per page (default 30)
#   BENCH_PAGES     the pages, space-separated (default: /, /contacts, /contacts?q=hansen, the
#                   first contact's card, /segments, and the first page of the segment with
#                   the most lines, made of the contacts in DE if there is none)
#   BENCH_BEFORE    a second binary, counted the same way first, and the change shown
#   BENCH_TIMEOUT   seconds after which the whole run is stopped (default 3600)
#   RAPPORT_DATA_DIR, DATABASE_URL   as for bench/load.sh (DATABASE_URL with BENCH_DATABASE=yes)

set -euo pipefail

cd "$(dirname "$0")/.."

CONTACTS=${BENCH_CONTACTS:-100000}
SEED=${BENCH_SEED:-1}
VIEWS=${BENCH_VIEWS:-30}
BEFORE=${BENCH_BEFORE:-}
TIMEOUT=${BENCH_TIMEOUT:-3600}

BENCH_NAME=instructions
# Installed by bench_build when missing.
BENCH_TOOLS=valgrind
. bench/common.sh

SEGMENT_MADE=""
bench_before_exit() {
    if [[ -n "$SEGMENT_MADE" && -n "$PSQL_URL" ]]; then
        PSQL_TIMEOUT=300 psql_run -q -c "DELETE FROM segments WHERE no = '$SEGMENT_MADE'" >/dev/null 2>&1 || true
    fi
}

bench_start
bench_build
bench_load "$CONTACTS" "$SEED"
bench_admin

# `rapport serve` (binary $1) under callgrind; sets SERVER_PID (valgrind's, which is the
# server's).
start_counted() {
    PORT=$(free_port)
    BASE="http://127.0.0.1:$PORT"
    rm -f "$PRIVATE"/callgrind.*
    env RAPPORT_BIND="127.0.0.1:$PORT" RAPPORT_COOKIE_SECURE=false \
        valgrind --tool=callgrind --callgrind-out-file="$PRIVATE/callgrind.%p" \
        "$1" serve >>"$PRIVATE/serve.log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 1 600); do
        if curl -s -o /dev/null --max-time 5 "$BASE/healthz"; then return 0; fi
        kill -0 "$SERVER_PID" 2>/dev/null || { cat "$PRIVATE/serve.log" >&2; exit 1; }
        sleep 0.5
    done
    log "the server did not come up under valgrind"
    exit 1
}

# Instructions per view of each page (the global PAGES) by the binary $1, a line each: the
# count is zeroed after 10 views and dumped after BENCH_VIEWS more.
count_pages() {
    local bin=$1 page codes dump total
    start_counted "$bin"
    rm -f "$PRIVATE/cookies"
    sign_in
    for page in "${PAGES[@]}"; do
        for _ in $(seq 1 10); do curl -s -o /dev/null --max-time 120 -b "$JAR" "$BASE$page"; done
        callgrind_control --zero "$SERVER_PID" >/dev/null 2>&1
        codes=$(for _ in $(seq 1 "$VIEWS"); do
            curl -s -o /dev/null --max-time 120 -w '%{http_code}\n' -b "$JAR" "$BASE$page"
        done | sort -u | tr '\n' ' ')
        callgrind_control --dump "$SERVER_PID" >/dev/null 2>&1
        [[ $codes == "200 " ]] || { log "$page answered $codes"; exit 1; }
        dump=$(ls -v "$PRIVATE"/callgrind.*.* | tail -n 1)
        total=$(awk '/^summary:/ { print $2 }' "$dump")
        printf '%s\t%s\n' "$page" "$((total / VIEWS))"
    done
    stop_server
}

start_server
connect_psql
sign_in
if [[ -n "${BENCH_PAGES:-}" ]]; then
    read -r -a PAGES <<<"$BENCH_PAGES"
else
    card=$(psql_value "SELECT no FROM contacts ORDER BY id LIMIT 1")
    segment=$(psql_value "SELECT s.no FROM segments s JOIN segment_lines l ON l.segment_id = s.id \
        AND l.removed_by_step IS NULL GROUP BY s.no ORDER BY count(*) DESC, s.no LIMIT 1")
    if [[ -z "$segment" ]]; then
        request POST /segments 60 \
            --data-urlencode "description=Instructions benchmark" --data-urlencode "date=$(date +%Y-%m-%d)" \
            --data-urlencode "unit_cost=1.50" --data-urlencode "unit_duration_min=5" \
            --data-urlencode "information_flow=outbound" --data-urlencode "initiated_by=us" >/dev/null
        segment=$(last_location | sed -n 's|^/segments/\([^/?#]*\).*|\1|p')
        [[ -n "$segment" ]] || { log "creating a segment failed"; exit 1; }
        SEGMENT_MADE=$segment
        request POST "/segments/$segment/add" 900 --data-urlencode "country=DE" >/dev/null
    fi
    PAGES=(/ /contacts "/contacts?q=hansen" "/contacts/$card" /segments "/segments/$segment")
fi
stop_server

log "counting ${#PAGES[@]} pages, $VIEWS views each"
if [[ -n "$BEFORE" ]]; then
    count_pages "$BEFORE" >"$PRIVATE/before"
fi
count_pages "$BIN" >"$PRIVATE/after"

echo
echo "Rapport's instructions per view ($VIEWS views, callgrind):"
if [[ -n "$BEFORE" ]]; then
    printf '| %s | %s | %s | %s |\n|---|---:|---:|---:|\n' page before after change
    paste "$PRIVATE/before" "$PRIVATE/after" | while IFS=$'\t' read -r page a _ b; do
        printf '| %s | %s | %s | %s |\n' "$page" "$(thousands "$a")" "$(thousands "$b")" \
            "$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%+.1f %%", (b - a) * 100 / a }')"
    done
else
    printf '| %s | %s |\n|---|---:|\n' page instructions
    while IFS=$'\t' read -r page n; do
        printf '| %s | %s |\n' "$page" "$(thousands "$n")"
    done <"$PRIVATE/after"
fi
