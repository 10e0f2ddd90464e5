#!/usr/bin/env bash
# Import benchmark: exports demo contacts as CSV, empties the contact tables, imports the file
# back through the import page, and reports the server's peak memory (VmHWM) and the times.
#
#   bench/import.sh                        # 1,000,000 contacts in a throwaway cluster
#   BENCH_CONTACTS=100000 bench/import.sh  # a smaller file
#
# Settings (environment):
#   BENCH_CONTACTS   demo contacts to load, export and import again (default 1000000)
#   BENCH_SEED       demo-data seed (default 1)
#   BENCH_TIMEOUT    seconds after which the whole run is stopped (default 3600)
#   RAPPORT_BIN      the rapport binary to measure (default: target/release/rapport, built first)
#
# Everything runs on this machine: a private PostgreSQL cluster in a new temp directory (removed
# at the end), the server on 127.0.0.1 only, curl talking to nothing else. Everything started
# here is stopped at the end, also on Ctrl-C or timeout.

set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)

CONTACTS=${BENCH_CONTACTS:-1000000}
SEED=${BENCH_SEED:-1}
TIMEOUT=${BENCH_TIMEOUT:-3600}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/rapport-import-bench.XXXXXX")
chmod 755 "$WORK"   # as root, the cluster's `postgres` user must enter it
export RAPPORT_DATA_DIR="$WORK/var"
unset DATABASE_URL
PRIVATE=$(mktemp -d "$WORK/client.XXXXXX")
export RUST_LOG=${RUST_LOG:-warn}
BIN=${RAPPORT_BIN:-$ROOT/target/release/rapport}
SERVER_PID=""
WATCHDOG_PID=""
SAMPLER_PID=""

log() { printf '[import-bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

stop_server() {
    if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        for _ in $(seq 1 300); do
            kill -0 "$SERVER_PID" 2>/dev/null || break
            sleep 0.2
        done
        kill -KILL "$SERVER_PID" 2>/dev/null || true
    fi
    SERVER_PID=""
}

cleanup() {
    local status=$?
    trap - EXIT INT TERM
    [[ -n "$SAMPLER_PID" ]] && kill "$SAMPLER_PID" 2>/dev/null || true
    stop_server
    local pgdata="$RAPPORT_DATA_DIR/pgdata"
    if [[ -f "$pgdata/postmaster.pid" ]]; then
        local bindir
        bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
        if [[ -x "$bindir/pg_ctl" ]]; then
            if [[ $(id -u) == 0 ]]; then
                runuser -u postgres -- "$bindir/pg_ctl" -D "$pgdata" -m fast -w stop >/dev/null 2>&1 || true
            else
                "$bindir/pg_ctl" -D "$pgdata" -m fast -w stop >/dev/null 2>&1 || true
            fi
        fi
    fi
    [[ -n "$WATCHDOG_PID" ]] && kill "$WATCHDOG_PID" 2>/dev/null || true
    rm -rf "$WORK"
    exit "$status"
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM

(
    trap 'kill "$sleeper" 2>/dev/null; exit 0' TERM
    sleep "$TIMEOUT" &
    sleeper=$!
    wait "$sleeper"
    echo "[import-bench] time limit of ${TIMEOUT}s reached, stopping" >&2
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

proc_kib() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status" 2>/dev/null || echo "?"; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

if [[ -z "${RAPPORT_BIN:-}" ]]; then
    log "building the release binary"
    timeout --foreground 1800 cargo build --release --quiet
fi
echo "Machine: $(nproc) CPU ($(lscpu 2>/dev/null | awk -F': *' '/^Model name/ { print $2; exit }')), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo) RAM"

log "loading $CONTACTS demo contacts (seed $SEED)"
timeout --foreground 1800 "$BIN" demo-data --contacts "$CONTACTS" --seed "$SEED" >"$PRIVATE/demo-data.log"

USERNAME=bench
PASSWORD="bench-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
printf '%s\n' "$PASSWORD" | timeout --foreground 120 "$BIN" user add "$USERNAME" --role admin >/dev/null

JAR="$PRIVATE/cookies"
start_server() {
    PORT=$(free_port)
    BASE="http://127.0.0.1:$PORT"
    RAPPORT_BIND="127.0.0.1:$PORT" RAPPORT_COOKIE_SECURE=false "$BIN" serve >>"$PRIVATE/serve.log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 1 300); do
        if curl -s -o /dev/null --max-time 2 "$BASE/healthz"; then break; fi
        kill -0 "$SERVER_PID" 2>/dev/null || { cat "$PRIVATE/serve.log" >&2; exit 1; }
        sleep 0.2
    done
    rm -f "$JAR"
    local page token status
    page=$(curl -s --max-time 10 -c "$JAR" -b "$JAR" "$BASE/login")
    token=$(printf '%s' "$page" | sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' | head -n 1)
    token=${token//&amp;/&}
    status=$(curl -s -o /dev/null -w '%{http_code}' --max-time 30 -c "$JAR" -b "$JAR" -H "Origin: $BASE" \
        --data-urlencode "username=$USERNAME" --data-urlencode "password=$PASSWORD" \
        --data-urlencode "csrf_token=$token" "$BASE/login")
    [[ "$status" == 303 ]] || { log "sign-in answered $status"; exit 1; }
}

# --- export -------------------------------------------------------------------------------------
start_server
log "exporting the contacts"
t=$(now)
curl -sf -b "$JAR" --max-time 1200 -o "$WORK/contacts.csv" "$BASE/contacts/export.csv"
EXPORT_S=$(since "$t")
FILE_BYTES=$(stat -c %s "$WORK/contacts.csv")
FILE_ROWS=$(($(wc -l <"$WORK/contacts.csv") - 1))
log "exported $FILE_ROWS rows, $FILE_BYTES bytes, in $EXPORT_S s"

# Empty the contact tables (the codes stay), so the file's numbers are new again.
psql -q -X -v ON_ERROR_STOP=1 "postgresql://rapport@localhost/rapport?host=$RAPPORT_DATA_DIR/run" <<'SQL'
TRUNCATE contacts, contact_industry_groups, contact_business_relations, contact_mailing_groups,
         contact_job_responsibilities, contact_profile_answers, segment_lines CASCADE;
UPDATE number_series SET next_number = 1 WHERE code = 'CONTACT';
SQL
stop_server

# --- import -------------------------------------------------------------------------------------
# A fresh server, so that its peak memory is the import's.
start_server
HWM_BEFORE=$(proc_kib "$SERVER_PID" VmHWM)
RSS_BEFORE=$(proc_kib "$SERVER_PID" VmRSS)
# RSS every half second, to see it stay flat (or not).
( while kill -0 "$SERVER_PID" 2>/dev/null; do proc_kib "$SERVER_PID" VmRSS; sleep 0.5; done ) >"$PRIVATE/rss" &
SAMPLER_PID=$!
log "uploading the file"
TOKEN=$(curl -s -b "$JAR" "$BASE/contacts/import" | sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' | head -n 1)
t=$(now)
LOCATION=$(curl -s -o /dev/null -w '%{redirect_url}' -b "$JAR" -H "Origin: $BASE" --max-time 1200 \
    -F "file=@$WORK/contacts.csv;type=text/csv" "$BASE/contacts/import?csrf_token=$TOKEN")
UPLOAD_S=$(since "$t")
[[ -n "$LOCATION" ]] || { log "the upload was not accepted"; tail -n 20 "$PRIVATE/serve.log" >&2; exit 1; }
log "uploaded in $UPLOAD_S s; the job is $LOCATION"
CHECKED_S="-"
while true; do
    page=$(curl -s -b "$JAR" --max-time 30 "$LOCATION")
    grep -q 'data-status-url' <<<"$page" || break
    # Every row checked (the whole file read, COPYed and checked): the writing starts.
    if [[ "$CHECKED_S" == "-" ]] && grep -q 'Importing them' <<<"$page"; then CHECKED_S=$(since "$t"); fi
    sleep 1
done
IMPORT_S=$(since "$t")
HWM_AFTER=$(proc_kib "$SERVER_PID" VmHWM)
RSS_AFTER=$(proc_kib "$SERVER_PID" VmRSS)
kill "$SAMPLER_PID" 2>/dev/null || true
SAMPLER_PID=""
RSS_MAX=$(sort -g "$PRIVATE/rss" | tail -n 1)
RESULT=$(printf '%s' "$page" | grep -o -m 1 -E '[0-9,]+ contacts imported\.|[0-9,]+ problems? found\.|The import failed[^<]*' || echo "?")
IMPORTED=$(psql -qtAX "postgresql://rapport@localhost/rapport?host=$RAPPORT_DATA_DIR/run" -c "SELECT count(*) FROM contacts")

echo
echo "Rapport import benchmark — $(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?'), binary $BIN"
echo "File: $FILE_ROWS rows, $FILE_BYTES bytes ($(awk -v b="$FILE_BYTES" 'BEGIN { printf "%.1f", b / 1048576 }') MiB), exported in $EXPORT_S s"
echo "Import: $RESULT ($IMPORTED contacts in the table); upload $UPLOAD_S s, upload to every row checked $CHECKED_S s, upload to done $IMPORT_S s"
echo "Server memory (kB): VmHWM $HWM_BEFORE before -> $HWM_AFTER after; VmRSS $RSS_BEFORE before, $RSS_MAX at most while importing (0.5 s samples), $RSS_AFTER after"
