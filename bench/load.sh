#!/usr/bin/env bash
# Many users at once: Rapport's pages under load, each next to the stack's ceiling measured in
# the same run, and two instances behind one address.
#
#   bench/load.sh                                  # 1,000,000 contacts with their history
#   BENCH_CONTACTS=200000 bench/load.sh            # a smaller load
#   BENCH_CONTACTS=0 RAPPORT_DATA_DIR=/srv/bench bench/load.sh   # contacts already there
#
# Builds Rapport and the ceiling (bench/ceiling: the TechEmpower "Fortunes" page on the same
# stack) in release, starts a private PostgreSQL (bench/common.sh), loads the demo contacts,
# adds opportunities by SQL up to BENCH_OPPORTUNITIES (so that their list has rows to show),
# makes a segment of the BENCH_ADD filter (about 200,000 lines at a million contacts), signs
# in BENCH_USERS users, and loads each page with wrk (BENCH_THREADS threads, BENCH_DURATION
# seconds) at each of BENCH_CONNECTIONS connections, the users' sessions taking turns:
#   the ceiling; /; the contact list (first page, q=hansen, country=DK&industry_group=RETAIL,
#   sort=city, a far page and the last page by city); a contact card; the segment list; the
#   segment's first and last page; the interactions list; a campaign card; the opportunities
#   list; the stylesheet at the address pages link; and a mixed scenario: the users browsing
#   those pages while one more runs Add, Reduce and Go Back twice on another segment of the
#   same filter, over and over (the others' figures are those during the steps), next to the
#   same browsing with nobody stepping.
# For each: requests/s, p50, p99, errors (connection errors, timeouts and statuses over 399)
# and the ratio to the ceiling's requests/s at the same connections; for each page alone, the
# CPU time a request cost the server (Rapport, or the ceiling) and the private PostgreSQL, and
# the two together against the ceiling's (why a page stands where it does). Then the peak memory of
# Rapport (VmHWM, reset before each phase) and of PostgreSQL (the sum of its processes'
# proportional set sizes, sampled every 0.2 s) during the load, during the CSV and Excel
# exports of the segment and of all contacts, and during an import of all contacts again.
# Then a second instance on the same database and haproxy in front of both (round robin): a
# user signed in through one continues on the other, and the mixed scenario runs through the
# proxy, next to the same through the proxy to one instance.
#
# Settings (environment):
#   BENCH_CONTACTS     contacts to load first (default 1000000; 0 = use what is there)
#   BENCH_SEED         demo-data seed (default 1)
#   BENCH_ADD          the segments' filter, "key=value;key=value" (default country=DE)
#   BENCH_REDUCE       the mixed scenario's Reduce filter (default city=Berlin|Hamburg)
#   BENCH_OPPORTUNITIES  opportunities in all, added by SQL when fewer (default 200000)
#   BENCH_USERS        signed-in users taking turns (default 8)
#   BENCH_CONNECTIONS  wrk's connections, a list (default "16 64")
#   BENCH_THREADS      wrk's threads (default 2)
#   BENCH_DURATION     seconds of each wrk run (default 8; the mixed scenario: 3 ×)
#   BENCH_TWO          1 = the two-instance part (default 1)
#   BENCH_IMPORT       1 = import every contact again at the end, for its memory (default 1)
#   BENCH_TIMEOUT      seconds after which the whole run is stopped (default 5400)
#   RAPPORT_DATA_DIR   a private cluster to use and keep (default: a temp dir, removed)
#   DATABASE_URL       an existing database instead (with BENCH_DATABASE=yes); the ceiling makes
#                      its database `rapport_ceiling` beside it, or, without the right to, its
#                      table `fortune` in it (both dropped at the end)
#
# Everything listens on 127.0.0.1 only. Everything started here is stopped at the end, also on
# Ctrl-C or timeout; the benchmark's segments and its users' sessions are deleted (the users
# load_1… stay, for the next run on kept data).

set -euo pipefail

cd "$(dirname "$0")/.."

CONTACTS=${BENCH_CONTACTS:-1000000}
SEED=${BENCH_SEED:-1}
ADD_FIELDS=${BENCH_ADD:-country=DE}
REDUCE_FIELDS=${BENCH_REDUCE:-city=Berlin|Hamburg}
OPPORTUNITIES=${BENCH_OPPORTUNITIES:-200000}
USERS=${BENCH_USERS:-8}
CONNECTIONS=${BENCH_CONNECTIONS:-"16 64"}
THREADS=${BENCH_THREADS:-2}
DURATION=${BENCH_DURATION:-8}
TWO=${BENCH_TWO:-1}
IMPORT=${BENCH_IMPORT:-1}
TIMEOUT=${BENCH_TIMEOUT:-5400}

BENCH_NAME=load
# Installed by bench_build when missing.
BENCH_TOOLS="wrk$([[ $TWO != 1 ]] || echo ' haproxy')"
. bench/common.sh

CEILING_PID=""
SERVER2_PID=""
PROXY_PID=""
SEGMENT_IDS=""
SAMPLER_PID=""
CEILING_DB_MADE=0
stop_pid() {
    local pid=$1
    [[ -n "$pid" ]] || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
}
bench_before_exit() {
    stop_pid "$SAMPLER_PID"
    stop_pid "$PROXY_PID"
    stop_pid "$CEILING_PID"
    stop_pid "$SERVER2_PID"
    if [[ -n "$PSQL_URL" ]]; then
        [[ -z "$SEGMENT_IDS" ]] || PSQL_TIMEOUT=300 psql_run -q -c "DELETE FROM segments WHERE id IN ($SEGMENT_IDS)" >/dev/null 2>&1 \
            || log "could not delete segments $SEGMENT_IDS"
        PSQL_TIMEOUT=60 psql_run -q -c "DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE username LIKE 'load\_%')" >/dev/null 2>&1 || true
        if [[ $CEILING_DB_MADE == 1 ]]; then
            PSQL_TIMEOUT=60 psql_run -q -c "DROP DATABASE IF EXISTS rapport_ceiling" >/dev/null 2>&1 || true
        elif [[ -n "$CEILING_URL" ]]; then
            PSQL_TIMEOUT=60 psql_run -q -c "DROP TABLE IF EXISTS fortune" >/dev/null 2>&1 || true
        fi
    fi
}
CEILING_URL=""

bench_start
bench_build
log "building the ceiling (bench/ceiling)"
timeout --foreground 1800 cargo build --release --quiet --manifest-path bench/ceiling/Cargo.toml
CEILING_BIN=${CARGO_TARGET_DIR:-$ROOT/bench/ceiling/target}/release/rapport-ceiling
bench_load "$CONTACTS" "$SEED"
bench_admin
start_server
connect_psql
sign_in
ADMIN_JAR=$JAR

# --- the ceiling --------------------------------------------------------------------------------
if psql_run -q -c "CREATE DATABASE rapport_ceiling" >/dev/null 2>&1; then
    CEILING_DB_MADE=1
    # The same URL with the database's name replaced, whatever it is (`…/crm`, `…/rapport_prod?…`).
    CEILING_URL=$(printf '%s' "$PSQL_URL" | sed 's|^\([a-z]*://[^/?]*/\)[^?]*|\1rapport_ceiling|')
    if [[ $CEILING_URL == "$PSQL_URL" ]]; then
        # A URL without a database name: the ceiling's table goes into the database itself,
        # and is dropped at the end.
        psql_run -q -c "DROP DATABASE rapport_ceiling" >/dev/null 2>&1 || true
        CEILING_DB_MADE=0
    fi
else
    CEILING_URL=$PSQL_URL
fi
CEILING_PORT=$(free_port)
CEILING_BASE="http://127.0.0.1:$CEILING_PORT"
DATABASE_URL=$CEILING_URL CEILING_BIND="127.0.0.1:$CEILING_PORT" "$CEILING_BIN" >>"$PRIVATE/ceiling.log" 2>&1 &
CEILING_PID=$!
for _ in $(seq 1 100); do
    curl -sf -o /dev/null --max-time 2 "$CEILING_BASE/fortunes" && break
    kill -0 "$CEILING_PID" 2>/dev/null || { cat "$PRIVATE/ceiling.log" >&2; exit 1; }
    sleep 0.1
done
FORTUNES=$(curl -sf --max-time 5 "$CEILING_BASE/fortunes" || true)
[[ $FORTUNES == *"Additional fortune"* && $FORTUNES == *"alert("* && $FORTUNES != *"<script>"* ]] \
    || { log "the ceiling does not answer (or does not escape)"; exit 1; }

# --- the data -----------------------------------------------------------------------------------
add_opportunities "$OPPORTUNITIES"
mapfile -d '' ADD_ARGS < <(field_args "$ADD_FIELDS")
mapfile -d '' REDUCE_ARGS < <(field_args "$REDUCE_FIELDS")
TOTAL=$(psql_value "SELECT count(*) FROM contacts")
CARD=$(psql_value "SELECT no FROM contacts WHERE type = 'company' ORDER BY id LIMIT 1")
# A page far into the list by city (keyset: the page after the 7,500th contact in that order),
# as its Next link gives it: with the 7,499 contacts before that one (`at`), which the list's
# kept total lets the page carry instead of counting.
FAR="$(psql_value "SELECT no FROM contacts ORDER BY city, id OFFSET 7499 LIMIT 1")&at=7499"
CAMPAIGN=$(psql_value "SELECT campaign_no FROM interaction_log_entries WHERE campaign_no IS NOT NULL
    GROUP BY campaign_no ORDER BY count(*) DESC LIMIT 1" 2>/dev/null || true)
[[ -n "$CAMPAIGN" ]] || CAMPAIGN=$(psql_value "SELECT no FROM campaigns ORDER BY no LIMIT 1" 2>/dev/null || true)

new_segment() { # DESCRIPTION: prints the new segment's No.
    request POST /segments 60 \
        --data-urlencode "description=$1" --data-urlencode "date=$(date +%Y-%m-%d)" \
        --data-urlencode "unit_cost=1.50" --data-urlencode "unit_duration_min=5" \
        --data-urlencode "information_flow=outbound" --data-urlencode "initiated_by=us" >/dev/null
    tr -d '\r' <"$PRIVATE/headers" | sed -n 's|^[Ll]ocation: */segments/\([^/?#]*\).*|\1|p' | head -n 1
}
NO=$(new_segment "Load benchmark $(date +%Y-%m-%dT%H:%M:%S)")
[[ -n "$NO" ]] || { log "creating a segment failed"; exit 1; }
SEGMENT_ID=$(psql_value "SELECT id FROM segments WHERE no = '$NO'")
SEGMENT_IDS=$SEGMENT_ID
read -r code server _ < <(request POST "/segments/$NO/add" 900 "${ADD_ARGS[@]}")
LINES=$(psql_value "SELECT count(*) FROM segment_lines WHERE segment_id = $SEGMENT_ID AND removed_by_step IS NULL")
LAST_PAGE=$(((LINES + 99) / 100))
log "segment $NO: Add ($ADD_FIELDS) → $code in $server ms, $LINES lines, last page $LAST_PAGE"
STEP_NO=$(new_segment "Load benchmark, the stepping user")
STEP_ID=$(psql_value "SELECT id FROM segments WHERE no = '$STEP_NO'")
SEGMENT_IDS="$SEGMENT_IDS,$STEP_ID"
CSS=$(curl -s --max-time 10 -b "$JAR" "$BASE/" | sed -n 's/.*<link rel="stylesheet" href="\([^"]*\)".*/\1/p' | head -n 1)
[[ -n "$CSS" ]] || CSS=/static/rapport.css

# --- the users ----------------------------------------------------------------------------------
# Staff users load_1…load_N, each signed in once (with curl, like a browser); wrk's requests
# take their session cookies in turn.
sign_in_jar() { # USER JAR BASE: signs USER in with PASSWORD, keeping the cookies in JAR
    local user=$1 jar=$2 base=$3 page token status
    page=$(curl -s --max-time 30 -c "$jar" -b "$jar" "$base/login")
    token=$(printf '%s' "$page" | sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' | head -n 1)
    status=$(curl -s -o /dev/null -w '%{http_code}' --max-time 30 -c "$jar" -b "$jar" -H "Origin: $base" \
        --data-urlencode "username=$user" --data-urlencode "password=$PASSWORD" \
        --data-urlencode "csrf_token=${token//&amp;/&}" "$base/login")
    [[ "$status" == 303 ]] || { log "sign-in of $user answered $status, expected 303"; return 1; }
}
session_of() { awk '$6 == "rapport_session" { print $7 }' "$1" | tail -n 1; }
COOKIES="$PRIVATE/cookies.txt"
: >"$COOKIES"
for i in $(seq 1 "$USERS"); do
    if ! printf '%s\n' "$PASSWORD" | timeout --foreground 60 "$BIN" user add "load_$i" --role staff >/dev/null 2>&1; then
        printf '%s\n' "$PASSWORD" | timeout --foreground 60 "$BIN" user set-password "load_$i" >/dev/null
    fi
    sign_in_jar "load_$i" "$PRIVATE/user_$i.jar" "$BASE"
    session_of "$PRIVATE/user_$i.jar" >>"$COOKIES"
done
log "$USERS users signed in"

# --- wrk ----------------------------------------------------------------------------------------
# The Lua script: each request takes the next session cookie and the next path (the paths are
# one for a page, several for the mixed scenario); at the end one line
# "RESULT requests/s p50_ms p99_ms errors requests".
LUA="$PRIVATE/load.lua"
cat >"$LUA" <<'LUA'
local cookies, paths, n = {}, {}, 0
function init(args)
  for line in io.lines(args[1]) do if #line > 0 then cookies[#cookies + 1] = line end end
  for i = 2, #args do paths[#paths + 1] = args[i] end
  n = math.random(1, 1000)
end
function request()
  n = n + 1
  local headers = {}
  if #cookies > 0 then headers["Cookie"] = "rapport_session=" .. cookies[n % #cookies + 1] end
  return wrk.format("GET", paths[n % #paths + 1], headers)
end
function done(summary, latency, requests)
  local e = summary.errors
  local errors = e.connect + e.read + e.write + e.status + e.timeout
  io.write(string.format("RESULT %.1f %.2f %.2f %d %d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, errors, summary.requests))
end
LUA
NO_COOKIES="$PRIVATE/none.txt"
: >"$NO_COOKIES"

RESULTS="$PRIVATE/results"
: >"$RESULTS"
# A figure of a run in $RESULTS: result NAME CONNECTIONS FIELD (1 req/s, 2 p50, 3 p99, 4 errors).
result() {
    awk -F'\t' -v n="$1" -v c="$2" -v f="$3" '$1 == n && $2 == c { split($3, a, " "); print a[f] }' "$RESULTS"
}
# One wrk run: load NAME CONNECTIONS SECONDS BASE COOKIE_FILE SERVER_PID PATH…; appends
# "NAME<TAB>CONNECTIONS<TAB>req/s p50 p99 errors requests server_µs pg_µs" to $RESULTS, the
# last two being the CPU time a request cost the serving process (SERVER_PID; "-" when empty)
# and the private cluster's processes.
load() {
    local name=$1 conns=$2 secs=$3 base=$4 cookies=$5 pid=$6 out s0 s1 p0 p1 n server=- pg=-
    shift 6
    s0=$([[ -z "$pid" ]] || cpu_of "$pid")
    p0=$(pg_cpu)
    out=$(timeout --foreground $((secs + 60)) wrk -t "$THREADS" -c "$conns" -d "${secs}s" --timeout 10s \
        -s "$LUA" "$base" -- "$cookies" "$@" 2>&1 | sed -n 's/^RESULT //p' | tail -n 1)
    s1=$([[ -z "$pid" ]] || cpu_of "$pid")
    p1=$(pg_cpu)
    [[ -n "$out" ]] || out="0 - - ? 0"
    n=$(awk '{ print $5 }' <<<"$out")
    [[ -z "$pid" ]] || server=$(per_view "$s0" "$s1" "$n")
    [[ -z "$pid" || -z "$(private_pg_pid)" ]] || pg=$(per_view "$p0" "$p1" "$n")
    printf '%s\t%s\t%s %s %s\n' "$name" "$conns" "$out" "$server" "$pg" >>"$RESULTS"
    log "$name at $conns: $out; CPU a request: server $server µs, PostgreSQL $pg µs"
    drain "$base"
}
# Waits (up to 120 s) until the requests wrk left behind have been served: slow pages keep the
# server's connections busy after wrk has stopped, which the next run would pay for.
drain() {
    local base=$1
    for _ in $(seq 1 240); do
        curl -s -o /dev/null --max-time 0.5 "$base/healthz" && return 0
        sleep 0.5
    done
    log "warning: $base still busy 120 s after the run"
}

# --- memory -------------------------------------------------------------------------------------
# Rapport: VmHWM, reset by writing 5 to clear_refs. PostgreSQL: the sum of the Pss of the
# postmaster and its children, sampled in the background, the maximum kept in a file.
PG_PID=$(private_pg_pid)
reset_peak() { echo 5 >"/proc/$1/clear_refs" 2>/dev/null || true; }
pg_pss_kib() {
    [[ -n "$PG_PID" ]] || { echo 0; return; }
    local pid total=0 kib
    for pid in "$PG_PID" $(ps --ppid "$PG_PID" -o pid= 2>/dev/null); do
        kib=$(awk '$1 == "Pss:" { print $2 }' "/proc/$pid/smaps_rollup" 2>/dev/null || echo 0)
        total=$((total + ${kib:-0}))
    done
    echo "$total"
}
PG_PEAK="$PRIVATE/pg.peak"
start_sampler() {
    echo 0 >"$PG_PEAK"
    (
        peak=0
        while true; do
            now_kib=$(pg_pss_kib)
            if [[ $now_kib -gt $peak ]]; then peak=$now_kib; echo "$peak" >"$PG_PEAK"; fi
            sleep 0.2
        done
    ) &
    SAMPLER_PID=$!
}
stop_sampler() { stop_pid "$SAMPLER_PID"; SAMPLER_PID=""; }
MEMORY="$PRIVATE/memory"
: >"$MEMORY"
memory_phase_start() { reset_peak "$SERVER_PID"; start_sampler; }
memory_phase_end() { # NAME
    stop_sampler
    printf '%s\t%s\t%s\n' "$1" "$(proc_kib "$SERVER_PID" VmHWM)" "$(cat "$PG_PEAK")" >>"$MEMORY"
}

# --- the pages ----------------------------------------------------------------------------------
PAGES=(
    "ceiling|/fortunes"
    "home|/"
    "contacts|/contacts"
    "contacts q=hansen|/contacts?q=hansen"
    "contacts DK retail|/contacts?country=DK&industry_group=RETAIL"
    "contacts sort=city|/contacts?sort=city"
    "contacts far page (city)|/contacts?sort=city&after=$FAR"
    "contacts last page (city)|/contacts?sort=city&last=1"
    "contact card|/contacts/$CARD"
    "segments|/segments"
    "segment page 1|/segments/$NO"
    "segment page $LAST_PAGE|/segments/$NO?page=$LAST_PAGE"
    "interactions|/interactions"
    "campaign card|/campaigns/$CAMPAIGN"
    "opportunities|/opportunities"
    "static css|$CSS"
)
# The mixed scenario's browsing: the pages above but the ceiling and the asset.
MIXED=()
for entry in "${PAGES[@]:1:${#PAGES[@]}-2}"; do MIXED+=("${entry#*|}"); done

# Each page once, to warm up and check it answers 200.
for entry in "${PAGES[@]}"; do
    name=${entry%%|*} path=${entry#*|} base=$BASE jar=$PRIVATE/user_1.jar
    [[ $name == ceiling ]] && base=$CEILING_BASE
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 60 -b "$jar" "$base$path")
    [[ $code == 200 ]] || log "warning: $name ($path) answers $code"
done

memory_phase_start
for conns in $CONNECTIONS; do
    for entry in "${PAGES[@]}"; do
        name=${entry%%|*} path=${entry#*|}
        if [[ $name == ceiling ]]; then
            load "$name" "$conns" "$DURATION" "$CEILING_BASE" "$NO_COOKIES" "$CEILING_PID" "$path"
        else
            load "$name" "$conns" "$DURATION" "$BASE" "$COOKIES" "$SERVER_PID" "$path"
        fi
    done
done
memory_phase_end "the pages under load"

# --- the mixed scenario -------------------------------------------------------------------------
# The admin steps on the second segment (Add, Reduce, Go Back, Go Back) until told to stop;
# each step's time goes to $STEPS.
STEPS="$PRIVATE/steps"
: >"$STEPS"
stepper() { # BASE STOPFILE
    local base=$1 stop=$2 step code server
    while [[ ! -e $stop ]]; do
        for step in add reduce go-back go-back; do
            case $step in
                add) args=("${ADD_ARGS[@]}") ;;
                reduce) args=("${REDUCE_ARGS[@]}") ;;
                *) args=() ;;
            esac
            read -r code server _ < <(BASE=$base JAR=$ADMIN_JAR request POST "/segments/$STEP_NO/$step" 900 "${args[@]}")
            printf '%s\t%s\t%s\n' "$step" "$code" "$server" >>"$STEPS"
        done
    done
}
mixed() { # NAME CONNECTIONS BASE
    local stop="$PRIVATE/stop.$RANDOM" pid
    (stepper "$3" "$stop") &
    pid=$!
    sleep 1
    load "$1" "$2" $((DURATION * 3)) "$3" "$COOKIES" "" "${MIXED[@]}"
    touch "$stop"
    wait "$pid" || true
}
memory_phase_start
for conns in $CONNECTIONS; do
    # The same browsing with nobody stepping first: what the step adds to the others' wait.
    load "mixed, nobody stepping" "$conns" $((DURATION * 3)) "$BASE" "$COOKIES" "" "${MIXED[@]}"
    mixed "mixed, one user stepping" "$conns" "$BASE"
done
memory_phase_end "the mixed scenario"

# --- exports ------------------------------------------------------------------------------------
EXPORTS="$PRIVATE/exports"
: >"$EXPORTS"
export_run() { # NAME PATH
    local out
    memory_phase_start
    out=$(curl -s -o /dev/null -b "$ADMIN_JAR" --max-time 900 -w '%{http_code} %{time_total} %{size_download}' "$BASE$2")
    memory_phase_end "$1"
    printf '%s\t%s\n' "$1" "$out" >>"$EXPORTS"
    log "$1: $out"
}
export_run "CSV of segment $NO ($LINES lines)" "/segments/$NO/export.csv"
export_run "CSV of all $TOTAL contacts" "/contacts/export.csv"
export_run "Excel of segment $NO ($LINES lines)" "/segments/$NO/export.xlsx"
export_run "Excel of all $TOTAL contacts" "/contacts/export.xlsx"

# --- an import of every contact ------------------------------------------------------------------
# The contacts' CSV export, without its No. column (the import numbers them anew), imported
# through the import page: Rapport's and PostgreSQL's peak memory while the job reads, checks
# and writes every row. It adds as many contacts again, so it comes after the pages.
if [[ $IMPORT == 1 ]]; then
    log "exporting the contacts for the import"
    curl -sf -b "$ADMIN_JAR" --max-time 1200 "$BASE/contacts/export.csv" | sed 's/^[^,]*,//' >"$WORK/import.csv"
    IMPORT_ROWS=$(($(wc -l <"$WORK/import.csv") - 1))
    token=$(page_token /contacts/import)
    memory_phase_start
    t=$(now)
    location=$(curl -s -o /dev/null -w '%{redirect_url}' -b "$ADMIN_JAR" -H "Origin: $BASE" --max-time 1200 \
        -F "file=@$WORK/import.csv;type=text/csv" "$BASE/contacts/import?csrf_token=$token")
    if [[ -n "$location" ]]; then
        while page=$(curl -s -b "$ADMIN_JAR" --max-time 30 "$location") && grep -q 'data-status-url' <<<"$page"; do sleep 1; done
        result=$(printf '%s' "$page" | grep -o -m 1 -E '[0-9,]+ contacts? imported\.|[0-9,]+ problems? found\.|The import failed[^<]*' || echo "?")
    else
        result="upload not accepted"
    fi
    memory_phase_end "import of $IMPORT_ROWS contacts (CSV)"
    printf '%s\t%s\n' "import of $IMPORT_ROWS contacts (CSV)" "$result in $(since "$t") s" >>"$EXPORTS"
    log "import: $result"
fi

# --- two instances ------------------------------------------------------------------------------
TWO_RESULT=""
if [[ $TWO == 1 ]]; then
    FIRST_PID=$SERVER_PID FIRST_BASE=$BASE
    log "starting a second instance"
    serve_on_free_port SERVER2_PID "$PRIVATE/serve2.log" DATABASE_URL="$PSQL_URL" RAPPORT_COOKIE_SECURE=false \
        RAPPORT_SERVER_TIMING=true -- "$BIN" serve
    PORT2=$SERVED_PORT
    BASE2="http://127.0.0.1:$PORT2"
    log "the second instance on $BASE2"
    # Signed in through the first, the same browser continues on the second.
    sign_in_jar "load_1" "$PRIVATE/across.jar" "$FIRST_BASE"
    across=$(curl -s --max-time 30 -b "$PRIVATE/across.jar" -w '\n%{http_code}' "$BASE2/segments")
    if [[ $(printf '%s' "$across" | tail -n 1) == 200 ]] && [[ $across == *'Sign out'* ]]; then
        TWO_RESULT="signed in through $FIRST_BASE, /segments on $BASE2: 200, signed in — passed"
    else
        TWO_RESULT="signed in through $FIRST_BASE, /segments on $BASE2: not signed in — FAILED"
    fi
    log "$TWO_RESULT"
    # haproxy in front: round robin over both, and a second front to the first alone.
    PROXY_PORT=$(free_port)
    PROXY1_PORT=$(free_port)
    cat >"$PRIVATE/haproxy.cfg" <<CFG
global
    maxconn 4096
defaults
    mode http
    timeout connect 5s
    timeout client 900s
    timeout server 900s
    option http-keep-alive
frontend both
    bind 127.0.0.1:$PROXY_PORT
    default_backend both
frontend one
    bind 127.0.0.1:$PROXY1_PORT
    default_backend one
backend both
    balance roundrobin
    server a 127.0.0.1:$PORT
    server b 127.0.0.1:$PORT2
backend one
    server a 127.0.0.1:$PORT
CFG
    haproxy -f "$PRIVATE/haproxy.cfg" -db >>"$PRIVATE/haproxy.log" 2>&1 &
    PROXY_PID=$!
    for _ in $(seq 1 50); do
        curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$PROXY_PORT/healthz" && break
        sleep 0.1
    done
    for conns in $CONNECTIONS; do
        mixed "mixed via haproxy, one instance" "$conns" "http://127.0.0.1:$PROXY1_PORT"
        mixed "mixed via haproxy, two instances" "$conns" "http://127.0.0.1:$PROXY_PORT"
    done
fi

# --- report -------------------------------------------------------------------------------------
ceiling_of() { result ceiling "$1" 1; }
# The CPU time a request of the ceiling cost it and PostgreSQL together, at CONNECTIONS.
ceiling_cpu_of() { awk -F'\t' -v c="$1" '$1 == "ceiling" && $2 == c { split($3, a, " "); if (a[6] ~ /^[0-9]+$/ && a[7] ~ /^[0-9]+$/) print a[6] + a[7] }' "$RESULTS"; }
mib() { awk -v k="$1" 'BEGIN { if (k ~ /^[0-9]+$/) printf "%.0f", k / 1024; else print "?" }'; }
echo
echo "Rapport under load — $(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet HEAD -- src migrations templates 2>/dev/null || echo ' (with uncommitted changes)')"
echo "Contacts: $(thousands "$TOTAL"); segment $NO: $(thousands "$LINES") lines ($ADD_FIELDS), last page $LAST_PAGE."
echo "wrk: $THREADS threads, ${DURATION} s a run (mixed: $((DURATION * 3)) s), $USERS signed-in users taking turns; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
echo "Ratio: requests/s against the ceiling (bench/ceiling, Fortunes) at the same connections, measured in this run."
echo
# Goals (at the last, highest number of connections): a page ≥ 0.5 × the ceiling and p99 ≤ 50 ms,
# the static asset ≥ 0.9 ×, the mixed scenario's p99 ≤ 200 ms; 0 errors everywhere.
top=$(printf '%s\n' $CONNECTIONS | sort -n | tail -n 1)
printf '%-34s %5s %9s %8s %8s %7s %7s  %-8s %7s %7s %6s\n' "page" "conns" "req/s" "p50 ms" "p99 ms" "errors" "ratio" "goal met" "srv µs" "PG µs" "× cpu"
for conns in $CONNECTIONS; do
    ceiling=$(ceiling_of "$conns")
    ceiling_cpu=$(ceiling_cpu_of "$conns")
    awk -F'\t' -v c="$conns" -v ceil="$ceiling" -v ccpu="$ceiling_cpu" -v top="$top" '$2 == c {
        split($3, a, " ")
        srv = (a[6] != "") ? a[6] : "-"
        pg = (a[7] != "") ? a[7] : "-"
        times = (ccpu > 0 && srv ~ /^[0-9]+$/ && pg ~ /^[0-9]+$/) ? sprintf("%.1f", (srv + pg) / ccpu) : "-"
        ratio = (ceil > 0 && a[1] != "") ? a[1] / ceil : -1
        met = "-"
        if ($1 == "static css") met = (ratio >= 0.9 && a[4] == 0) ? "yes" : "NO"
        else if ($1 ~ /^mixed/) met = (a[5] > 0 && a[3] <= 200 && a[4] == 0) ? "yes" : "NO"
        else if ($1 != "ceiling" && c == top) met = (ratio >= 0.5 && a[5] > 0 && a[3] <= 50 && a[4] == 0) ? "yes" : "NO"
        printf "%-34s %5s %9.0f %8s %8s %7s %7s  %-8s %7s %7s %6s\n", $1, $2, a[1], a[2], a[3], a[4], (ratio >= 0 ? sprintf("%.2f", ratio) : "-"), met, srv, pg, times
    }' "$RESULTS"
done
echo "srv µs, PG µs: the CPU time a request cost the server (Rapport, or the ceiling) and PostgreSQL;"
echo "× cpu: the two together against the ceiling's at the same connections. wrk takes its own share"
echo "of the same cores: a page reaches half the ceiling's requests/s only near 2 × its CPU a request."
echo
if [[ -s "$STEPS" ]]; then
    echo "Steps of the user stepping during the mixed runs (server ms, median / max; statuses):"
    for step in add reduce go-back; do
        printf '  %-8s %s / %s ms  (%s)\n' "$step" \
            "$(awk -F'\t' -v s="$step" '$1 == s { print $3 }' "$STEPS" | median)" \
            "$(awk -F'\t' -v s="$step" '$1 == s { print $3 }' "$STEPS" | maximum)" \
            "$(awk -F'\t' -v s="$step" '$1 == s { print $2 }' "$STEPS" | sort | uniq -c | awk '{ printf "%s×%s ", $1, $2 }')"
    done
    for conns in $CONNECTIONS; do
        printf '  the others at %s connections: p99 %s ms with nobody stepping, %s ms with one user stepping\n' "$conns" \
            "$(result "mixed, nobody stepping" "$conns" 3)" "$(result "mixed, one user stepping" "$conns" 3)"
    done
    echo
fi
echo "Peak memory (Rapport: VmHWM of the first instance; PostgreSQL: sum of Pss, sampled):"
while IFS=$'\t' read -r name rap pg; do
    printf '  %-44s Rapport %5s MiB   PostgreSQL %5s MiB\n' "$name" "$(mib "$rap")" "$(mib "$pg")"
done <"$MEMORY"
echo
if [[ -s "$EXPORTS" ]]; then
    echo "Exports (status, seconds, bytes):"
    while IFS=$'\t' read -r name out; do printf '  %-44s %s\n' "$name" "$out"; done <"$EXPORTS"
    echo
fi
if [[ -n "$TWO_RESULT" ]]; then
    echo "Two instances: $TWO_RESULT"
    for conns in $CONNECTIONS; do
        one=$(result "mixed via haproxy, one instance" "$conns" 1)
        two=$(result "mixed via haproxy, two instances" "$conns" 1)
        printf '  mixed at %s connections: two / one instance = %s\n' "$conns" \
            "$(awk -v a="$two" -v b="$one" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }')"
    done
fi
