#!/usr/bin/env bash
# Two or more builds of Rapport (or one build with different settings) page by page, in
# alternated rounds on the same kept data: how a change is measured before it is kept.
#
#   RAPPORT_DATA_DIR=/srv/bench bench/compare.sh /tmp/rapport-before target/release/rapport
#   RAPPORT_DATA_DIR=/srv/bench bench/compare.sh target/release/rapport RAPPORT_DB_POOL_SIZE=4@target/release/rapport
#
# Each argument is a rapport binary, optionally preceded by settings for its server
# ("NAME=value,NAME=value@binary"). The data must be there already: a million contacts loaded by
# `bench/load.sh` with RAPPORT_DATA_DIR kept, say. In each round, each build in turn is started
# on loopback (the database stays up between them), the users load_1… sign in, and each page is
# warmed for BENCH_WARMUP seconds and then loaded with wrk for BENCH_DURATION seconds, the
# users' session cookies taking turns. For each it prints requests/s, p50, p99, errors, and the
# CPU time a view cost Rapport and PostgreSQL (µs; PostgreSQL's only for the private cluster):
# the CPU time tells a change apart where requests/s are within a busy machine's noise.
#
# Settings (environment):
#   BENCH_PAGES        the pages, space-separated (default: /, /contacts, a company's card,
#                      /segments, /interactions, /opportunities)
#   BENCH_ROUNDS       rounds (default 3)
#   BENCH_DURATION     seconds of each measured wrk run (default 5)
#   BENCH_WARMUP       seconds of wrk before each measured run (default 2)
#   BENCH_PREWARM      seconds of wrk on each page once before the first round (default 5)
#   BENCH_CONNECTIONS  wrk's connections (default 64)
#   BENCH_THREADS      wrk's threads (default 2)
#   BENCH_USERS        signed-in users taking turns (default 8)
#   BENCH_TIMEOUT      seconds after which the whole run is stopped (default 3600)
#   RAPPORT_DATA_DIR   the private cluster with the data, kept by an earlier benchmark (or
#                      DATABASE_URL with BENCH_DATABASE=yes)

set -euo pipefail

[[ $# -ge 1 ]] || { sed -n '2,12p' "$0" >&2; exit 2; }
# The binaries as absolute paths, before the script moves to the repository.
SPECS=()
for spec in "$@"; do
    bin=${spec##*@}
    [[ -x "$bin" && -f "$bin" ]] || { echo "not an executable: $bin" >&2; exit 2; }
    bin=$(realpath "$bin")
    if [[ $spec == *@* ]]; then SPECS+=("${spec%@*}@$bin"); else SPECS+=("$bin"); fi
done

cd "$(dirname "$0")/.."

ROUNDS=${BENCH_ROUNDS:-3}
DURATION=${BENCH_DURATION:-5}
WARMUP=${BENCH_WARMUP:-2}
PREWARM=${BENCH_PREWARM:-5}
CONNS=${BENCH_CONNECTIONS:-64}
THREADS=${BENCH_THREADS:-2}
USERS=${BENCH_USERS:-8}
TIMEOUT=${BENCH_TIMEOUT:-3600}

BENCH_NAME=compare
# Installed by bench_build when missing.
BENCH_TOOLS=wrk
# The first build starts the database and keeps it up: its server stays idle all along.
export RAPPORT_BIN=${SPECS[0]##*@}
. bench/common.sh

MEASURED_PID=""
bench_before_exit() {
    if [[ -n "$MEASURED_PID" ]]; then
        kill -TERM "$MEASURED_PID" 2>/dev/null || true
        wait "$MEASURED_PID" 2>/dev/null || true
    fi
    # The users' sessions go (the users load_1… stay, as bench/load.sh leaves them).
    if [[ -n "$PSQL_URL" ]]; then
        PSQL_TIMEOUT=60 psql_run -q -c "DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE username LIKE 'load\_%')" >/dev/null 2>&1 || true
    fi
}

bench_start
bench_build
start_server
connect_psql
HOLDER_BASE=$BASE
[[ "$(psql_value "SELECT count(*) > 0 FROM contacts")" == t ]] \
    || { log "no contacts: load them first (bench/load.sh with RAPPORT_DATA_DIR)"; exit 1; }
CARD=$(psql_value "SELECT no FROM contacts WHERE type = 'company' ORDER BY id LIMIT 1")
PAGES=${BENCH_PAGES:-"/ /contacts /contacts/$CARD /segments /interactions /opportunities"}

# The users, signed in on each build's server in turn (a session is the database's, so one
# sign-in serves every build; signing in again each round keeps them from expiring).
PASSWORD="key-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
for i in $(seq 1 "$USERS"); do
    if ! printf '%s\n' "$PASSWORD" | timeout --foreground 60 "$BIN" user add "load_$i" --role staff >/dev/null 2>&1; then
        printf '%s\n' "$PASSWORD" | timeout --foreground 60 "$BIN" user set-password "load_$i" >/dev/null
    fi
done
COOKIES="$PRIVATE/cookies.txt"
sign_in_users() { # BASE
    local base=$1 i jar page token status
    : >"$COOKIES"
    for i in $(seq 1 "$USERS"); do
        jar="$PRIVATE/user_$i.jar"
        rm -f "$jar"
        page=$(curl -s --max-time 30 -c "$jar" -b "$jar" "$base/login")
        token=$(printf '%s' "$page" | sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' | head -n 1)
        status=$(curl -s -o /dev/null -w '%{http_code}' --max-time 30 -c "$jar" -b "$jar" -H "Origin: $base" \
            --data-urlencode "username=load_$i" --data-urlencode "password=$PASSWORD" \
            --data-urlencode "csrf_token=${token//&amp;/&}" "$base/login")
        [[ "$status" == 303 ]] || { log "sign-in of load_$i answered $status, expected 303"; exit 1; }
        awk '$6 == "rapport_session" { print $7 }' "$jar" | tail -n 1 >>"$COOKIES"
    done
}
sign_in_users "$HOLDER_BASE"

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

PG_PID=$(private_pg_pid)

# The database's buffers and the server's first views warmed once, before any build is
# measured: a cluster just started would make the first build pay for reading the data.
log "warming the pages for ${PREWARM} s each"
for page in $PAGES; do
    timeout --foreground $((PREWARM + 60)) wrk -t "$THREADS" -c "$CONNS" -d "${PREWARM}s" --timeout 10s \
        -s "$LUA" "$HOLDER_BASE" -- "$COOKIES" "$page" >/dev/null 2>&1 || true
done

RESULTS="$PRIVATE/results"
: >"$RESULTS"
echo "Compare — $(date -u +%Y-%m-%dT%H:%M:%SZ); $ROUNDS rounds, wrk -t $THREADS -c $CONNS, ${WARMUP} s warm-up, ${DURATION} s measured"
for r in $(seq 1 "$ROUNDS"); do
    for b in "${!SPECS[@]}"; do
        spec=${SPECS[$b]}
        bin=${spec##*@}
        settings=()
        if [[ $spec == *@* ]]; then
            IFS=, read -r -a settings <<<"${spec%@*}"
        fi
        serve_on_free_port MEASURED_PID "$PRIVATE/serve-$b.log" "${settings[@]}" RAPPORT_COOKIE_SECURE=false \
            -- "$bin" serve
        base="http://127.0.0.1:$SERVED_PORT"
        sign_in_users "$base"
        for page in $PAGES; do
            timeout --foreground $((WARMUP + 60)) wrk -t "$THREADS" -c "$CONNS" -d "${WARMUP}s" --timeout 10s \
                -s "$LUA" "$base" -- "$COOKIES" "$page" >/dev/null 2>&1 || true
            r0=$(cpu_of "$MEASURED_PID")
            p0=$(pg_cpu)
            out=$(timeout --foreground $((DURATION + 60)) wrk -t "$THREADS" -c "$CONNS" -d "${DURATION}s" --timeout 10s \
                -s "$LUA" "$base" -- "$COOKIES" "$page" 2>&1 | sed -n 's/^RESULT //p' | tail -n 1)
            r1=$(cpu_of "$MEASURED_PID")
            p1=$(pg_cpu)
            [[ -n "$out" ]] || out="0 - - ? 0"
            read -r rps p50 p99 errors n <<<"$out"
            rap=$(per_view "$r0" "$r1" "$n")
            pg=-
            [[ -z "$PG_PID" ]] || pg=$(per_view "$p0" "$p1" "$n")
            printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$page" "$b" "$r" "$rps" "$p50" "$p99" "$errors" "$rap" "$pg" >>"$RESULTS"
            log "round $r, build $((b + 1)), $page: $rps req/s, p99 $p99 ms, errors $errors, Rapport $rap µs, PostgreSQL $pg µs a view"
        done
        kill -TERM "$MEASURED_PID" 2>/dev/null || true
        wait "$MEASURED_PID" 2>/dev/null || true
        MEASURED_PID=""
    done
done

echo
for b in "${!SPECS[@]}"; do echo "build $((b + 1)): ${SPECS[$b]}"; done
echo "Each cell: the rounds in order. req/s, p99 ms, and the CPU µs a view of Rapport and PostgreSQL."
echo
for page in $PAGES; do
    echo "$page"
    for b in "${!SPECS[@]}"; do
        awk -F'\t' -v p="$page" -v b="$b" '$1 == p && $2 == b {
            rps = rps sep sprintf("%.0f", $4); p99 = p99 sep $6; rap = rap sep $8; pg = pg sep $9
            if ($7 != "0") err = 1
            sep = ", "
        } END {
            printf "  build %d  req/s %s | p99 %s | Rapport %s | PostgreSQL %s%s\n", b + 1, rps, p99, rap, pg, err ? "  (ERRORS)" : ""
        }' "$RESULTS"
    done
done
