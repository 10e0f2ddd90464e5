#!/usr/bin/env bash
# Contacts benchmark: loads demo contacts, signs in, and times the contact pages.
#
#   bench/contacts.sh                          # 1,000,000 contacts in a throwaway cluster
#   BENCH_CONTACTS=100000 bench/contacts.sh    # a smaller load
#   DATABASE_URL=postgres://… bench/contacts.sh  # an existing database (contacts are ADDED)
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
#   DATABASE_URL     an existing database instead of a private cluster
#
# Everything runs on this machine: the server listens on 127.0.0.1 only, and curl talks to
# nothing else. Everything started here is stopped at the end, also on Ctrl-C or timeout.

set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)

CONTACTS=${BENCH_CONTACTS:-1000000}
SEED=${BENCH_SEED:-1}
RUNS=${BENCH_RUNS:-7}
EXPORT_RUNS=${BENCH_EXPORT_RUNS:-3}
SEARCH=${BENCH_SEARCH:-ansen}
COUNTRY=${BENCH_COUNTRY:-DK}
INDUSTRY=${BENCH_INDUSTRY:-RETAIL}
TIMEOUT=${BENCH_TIMEOUT:-3600}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/rapport-bench.XXXXXX")
# As root, the private PostgreSQL runs as `postgres`, which must be able to enter this folder.
chmod 755 "$WORK"
if [[ -z "${DATABASE_URL:-}" && -z "${RAPPORT_DATA_DIR:-}" ]]; then
    export RAPPORT_DATA_DIR="$WORK/var"
fi
# The cookie jar and the logs stay private (mktemp -d makes the folder 0700).
PRIVATE=$(mktemp -d "$WORK/client.XXXXXX")
# A cluster that was already running (a kept RAPPORT_DATA_DIR) is left running at the end.
CLUSTER_WAS_RUNNING=0
if [[ -n "${RAPPORT_DATA_DIR:-}" && -f "$RAPPORT_DATA_DIR/pgdata/postmaster.pid" ]]; then
    CLUSTER_WAS_RUNNING=1
fi
export RUST_LOG=${RUST_LOG:-warn}
BIN="$ROOT/target/release/rapport"
SERVER_PID=""
WATCHDOG_PID=""

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# Stops the server (which stops the private cluster it started), and failing that the cluster.
cleanup() {
    local status=$?
    trap - EXIT INT TERM
    if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        for _ in $(seq 1 150); do
            kill -0 "$SERVER_PID" 2>/dev/null || break
            sleep 0.2
        done
        kill -KILL "$SERVER_PID" 2>/dev/null || true
    fi
    if [[ $CLUSTER_WAS_RUNNING == 0 && -n "${RAPPORT_DATA_DIR:-}" && -f "$RAPPORT_DATA_DIR/pgdata/postmaster.pid" ]]; then
        stop_cluster "$RAPPORT_DATA_DIR/pgdata"
    fi
    if [[ -n "$WATCHDOG_PID" ]]; then
        kill "$WATCHDOG_PID" 2>/dev/null || true
    fi
    # The temp dir (with the private cluster, unless RAPPORT_DATA_DIR was given) goes.
    rm -rf "$WORK"
    exit "$status"
}

stop_cluster() {
    local pgdata=$1 bindir=${RAPPORT_PG_BINDIR:-}
    if [[ -z "$bindir" ]]; then
        bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    fi
    [[ -x "$bindir/pg_ctl" ]] || return 0
    log "stopping PostgreSQL left running in $pgdata"
    if [[ $(id -u) == 0 ]]; then
        runuser -u postgres -- "$bindir/pg_ctl" -D "$pgdata" -m fast -w stop >/dev/null 2>&1 || true
    else
        "$bindir/pg_ctl" -D "$pgdata" -m fast -w stop >/dev/null 2>&1 || true
    fi
}

trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM

# The whole run is bounded: the watchdog ends it (and the trap cleans up).
# Each step has its own limit too (bash runs the trap once the current step returns).
(
    trap 'kill "$sleeper" 2>/dev/null; exit 0' TERM
    sleep "$TIMEOUT" &
    sleeper=$!
    wait "$sleeper"
    echo "[bench] time limit of ${TIMEOUT}s reached, stopping" >&2
    kill -TERM $$ 2>/dev/null
) &
WATCHDOG_PID=$!

free_port() {
    local port
    for _ in $(seq 1 200); do
        port=$((20000 + RANDOM % 30000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return 0
        fi
    done
    return 1
}

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
maximum() { sort -g | tail -n 1; }

proc_kib() { # field of /proc/PID/status in kB
    awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status" 2>/dev/null || echo "?"
}

# --- build ------------------------------------------------------------------------------------
log "building the release binary"
timeout --foreground 1800 cargo build --release --quiet

echo "Machine: $(nproc) CPU ($(lscpu 2>/dev/null | awk -F': *' '/^Model name/ { print $2; exit }')), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo) RAM"
if [[ -n "${DATABASE_URL:-}" ]]; then
    echo "Database: DATABASE_URL (an existing server)"
else
    echo "Database: private cluster in $RAPPORT_DATA_DIR"
fi

# --- load -------------------------------------------------------------------------------------
LOAD_SECONDS="-"
LOAD_OWN="-"
FIRST_NO=""
if [[ "$CONTACTS" -gt 0 ]]; then
    log "loading $CONTACTS demo contacts (seed $SEED)"
    start=$(date +%s.%N)
    timeout --foreground 1200 "$BIN" demo-data --contacts "$CONTACTS" --seed "$SEED" | tee "$PRIVATE/demo-data.log"
    end=$(date +%s.%N)
    LOAD_SECONDS=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
    LOAD_OWN=$(sed -n 's/^Added .* in \([0-9.]*\) s\.$/\1/p' "$PRIVATE/demo-data.log" | head -n 1)
    FIRST_NO=$(sed -n 's/^Adding [0-9]* contacts (\([^ ]*\) to .*/\1/p' "$PRIVATE/demo-data.log" | head -n 1)
fi
CARD_NO=${BENCH_CARD:-${FIRST_NO:-CT000001}}

# --- admin and server -------------------------------------------------------------------------
USERNAME=bench
PASSWORD="bench-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
if ! printf '%s\n' "$PASSWORD" | timeout --foreground 120 "$BIN" user add "$USERNAME" --role admin >/dev/null 2>"$PRIVATE/user.err"; then
    if grep -q "already taken" "$PRIVATE/user.err"; then
        log "user $USERNAME exists: setting a new password"
        printf '%s\n' "$PASSWORD" | timeout --foreground 120 "$BIN" user set-password "$USERNAME" >/dev/null
    else
        cat "$PRIVATE/user.err" >&2
        exit 1
    fi
fi

PORT=$(free_port)
BASE="http://127.0.0.1:$PORT"
log "starting rapport serve on $BASE"
RAPPORT_BIND="127.0.0.1:$PORT" RAPPORT_COOKIE_SECURE=false RAPPORT_SERVER_TIMING=true "$BIN" serve >"$PRIVATE/serve.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 300); do
    if curl -s -o /dev/null --max-time 2 "$BASE/healthz"; then break; fi
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$PRIVATE/serve.log" >&2; exit 1; }
    sleep 0.2
done
curl -sf -o /dev/null --max-time 5 "$BASE/healthz" || { log "the server did not come up"; cat "$PRIVATE/serve.log" >&2; exit 1; }

# --- sign in ------------------------------------------------------------------------------------
JAR="$PRIVATE/cookies"
login_page=$(curl -s --max-time 10 -c "$JAR" -b "$JAR" "$BASE/login")
TOKEN=$(printf '%s' "$login_page" | sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' | head -n 1)
TOKEN=${TOKEN//&amp;/&}
[[ -n "$TOKEN" ]] || { log "no csrf_token on /login"; exit 1; }
status=$(curl -s -o /dev/null -w '%{http_code}' --max-time 30 -c "$JAR" -b "$JAR" \
    -H "Origin: $BASE" \
    --data-urlencode "username=$USERNAME" --data-urlencode "password=$PASSWORD" \
    --data-urlencode "csrf_token=$TOKEN" "$BASE/login")
[[ "$status" == 303 ]] || { log "sign-in answered $status, expected 303"; exit 1; }
log "signed in as $USERNAME"

# --- measure ------------------------------------------------------------------------------------
# One request: prints "status server_ms total_ms bytes".
request() {
    local url=$1 max_time=$2 headers="$PRIVATE/headers" out
    out=$(curl -s -o /dev/null -D "$headers" -b "$JAR" --max-time "$max_time" \
        -w '%{http_code} %{time_total} %{size_download}' "$BASE$url") || true
    [[ -n "$out" ]] || out="000 0 0"
    local server
    server=$(tr -d '\r' <"$headers" 2>/dev/null | awk -F'dur=' 'tolower($0) ~ /^server-timing:/ { split($2, a, /[;, ]/); print a[1] }' | tail -n 1)
    read -r code total bytes <<<"$out"
    printf '%s %s %s %s\n' "$code" "${server:--}" "$(awk -v t="$total" 'BEGIN { printf "%.1f", t * 1000 }')" "$bytes"
}

ROWS=()
# measure NAME URL RUNS MAX_TIME [warm-up]
measure() {
    local name=$1 url=$2 runs=$3 max_time=$4 warm=${5:-1} codes="" server_ms=() total_ms=() bytes=0 line code s t b
    if [[ $warm == 1 ]]; then request "$url" "$max_time" >/dev/null; fi
    for _ in $(seq 1 "$runs"); do
        line=$(request "$url" "$max_time")
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
