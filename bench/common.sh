# What the benchmarks share, sourced by bench/*.sh after `set -euo pipefail` and a `cd` to the
# repository: a temp folder, a private PostgreSQL cluster (or DATABASE_URL), the release
# build, demo data, an admin, `rapport serve` on 127.0.0.1, signing in with curl like a
# browser (the form's csrf_token, an Origin header, a cookie jar), timing requests, and
# stopping everything at the end (also on Ctrl-C, errors and the BENCH_TIMEOUT limit).
#
# A script sets BENCH_NAME (its log prefix) and TIMEOUT, then calls bench_start; it may define
# bench_before_exit, which the cleanup runs first (to delete what the run made, say).
#
# Everything runs on this machine: the server listens on 127.0.0.1 only, curl and psql talk to
# nothing else.

ROOT=$(pwd)
export RUST_LOG=${RUST_LOG:-warn}
BIN=${RAPPORT_BIN:-$ROOT/target/release/rapport}
SERVER_PID=""
WATCHDOG_PID=""
PSQL_URL=""
CLUSTER_WAS_RUNNING=0

log() { printf '[%s %s] %s\n' "${BENCH_NAME:-bench}" "$(date +%H:%M:%S)" "$*" >&2; }

# psql on the benchmark's database: no psqlrc, stop at the first error, bounded in time.
psql_run() {
    timeout --foreground "${PSQL_TIMEOUT:-600}" psql -X -v ON_ERROR_STOP=1 "$PSQL_URL" "$@"
}
psql_value() { psql_run -qAt -c "$1"; }

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
maximum() { sort -g | tail -n 1; }
thousands() { printf '%s\n' "$1" | sed -e ':a' -e 's/\([0-9]\)\([0-9]\{3\}\)\($\|,\)/\1,\2\3/' -e 'ta'; }
proc_kib() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status" 2>/dev/null || echo "?"; }
now() { date +%s.%N; }
# CPU seconds (user + system) of a process; of the private cluster's processes (the postmaster's
# own time with that of its children that have ended, a connection closed during a run, and
# that of those still running; 0 when the database is not the private cluster); and the µs a
# request cost between two readings: per_view BEFORE AFTER REQUESTS.
CLK=$(getconf CLK_TCK)
cpu_of() { awk -v c="$CLK" '{ printf "%.2f\n", ($14 + $15) / c }' "/proc/$1/stat" 2>/dev/null || echo 0; }
private_pg_pid() {
    if [[ -z "${DATABASE_URL:-}" && -n "${RAPPORT_DATA_DIR:-}" && -f "$RAPPORT_DATA_DIR/pgdata/postmaster.pid" ]]; then
        head -n 1 "$RAPPORT_DATA_DIR/pgdata/postmaster.pid"
    fi
}
pg_cpu() {
    local pg p total
    pg=$(private_pg_pid)
    [[ -n "$pg" ]] || { echo 0; return; }
    total=$(awk -v c="$CLK" '{ printf "%.2f", ($14 + $15 + $16 + $17) / c }' "/proc/$pg/stat")
    for p in $(pgrep -P "$pg"); do
        total=$(awk -v a="$total" -v b="$(cpu_of "$p")" 'BEGIN { printf "%.2f", a + b }')
    done
    echo "$total"
}
per_view() { awk -v a="$1" -v b="$2" -v n="$3" 'BEGIN { if (n > 0) printf "%.0f", (b - a) * 1e6 / n; else print "-" }'; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

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

# Runs the script's own bench_before_exit, stops the server (which stops the private cluster it
# started), and failing that the cluster; removes the temp folder.
bench_cleanup() {
    local status=$?
    trap - EXIT INT TERM
    if declare -F bench_before_exit >/dev/null; then
        bench_before_exit || true
    fi
    stop_server
    # A cluster this run made in a RAPPORT_DATA_DIR that stays: a later run knows it for a
    # benchmark's (bench_refuse_service_database).
    if [[ $BENCH_MADE_CLUSTER == 1 && -e "$RAPPORT_DATA_DIR/pgdata" ]]; then
        touch "$RAPPORT_DATA_DIR/$BENCH_MARK" 2>/dev/null || true
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

# The file that marks a RAPPORT_DATA_DIR as a benchmark's cluster (written once it is used).
BENCH_MARK=rapport-bench-data
BENCH_MADE_CLUSTER=0

# A benchmark adds demo contacts (a million by default) and an administrator `bench` to the
# database it uses. A database the shell's environment names — DATABASE_URL, or a
# RAPPORT_DATA_DIR that exists and that no benchmark made (the service's, after sourcing its
# /etc/rapport.env, even before the service made its cluster there) — is used only when
# BENCH_DATABASE=yes says so; else the run stops before anything starts. A RAPPORT_DATA_DIR
# that does not exist yet is the benchmark's: it is marked as such when the run ends.
bench_refuse_service_database() {
    [[ ${BENCH_OWN_CLUSTER:-0} != 1 && ${BENCH_DATABASE:-} != yes ]] || return 0
    if [[ -n "${DATABASE_URL:-}" ]]; then
        log "DATABASE_URL is set (from the service's environment, perhaps): a benchmark adds demo contacts and an administrator 'bench' to the database it uses, which cannot be taken out again. Unset DATABASE_URL to run on a throwaway cluster, or set BENCH_DATABASE=yes to use that database. Nothing was done."
        exit 2
    fi
    if [[ -n "${RAPPORT_DATA_DIR:-}" && -e "$RAPPORT_DATA_DIR" && ! -e "$RAPPORT_DATA_DIR/$BENCH_MARK" ]]; then
        log "RAPPORT_DATA_DIR=$RAPPORT_DATA_DIR exists and is not marked as a benchmark's (it may be the service's): a benchmark adds demo contacts and an administrator 'bench' to its cluster, which cannot be taken out again. Unset RAPPORT_DATA_DIR, or name a directory that does not exist yet, to run on a cluster of the benchmark's own; for a cluster an earlier benchmark kept, mark it with: touch '$RAPPORT_DATA_DIR/$BENCH_MARK' (or set BENCH_DATABASE=yes once). Nothing was done."
        exit 2
    fi
}

# The temp folder, the cluster's place, the traps and the watchdog. With BENCH_OWN_CLUSTER=1 a
# new private cluster is used whatever DATABASE_URL and RAPPORT_DATA_DIR say.
bench_start() {
    bench_refuse_service_database
    if [[ -n "${RAPPORT_DATA_DIR:-}" && ! -e "$RAPPORT_DATA_DIR/pgdata" ]]; then
        BENCH_MADE_CLUSTER=1
    fi
    WORK=$(mktemp -d "${TMPDIR:-/tmp}/rapport-${BENCH_NAME:-bench}.XXXXXX")
    # As root, the private PostgreSQL runs as `postgres`, which must be able to enter this folder.
    chmod 755 "$WORK"
    if [[ ${BENCH_OWN_CLUSTER:-0} == 1 ]]; then
        unset DATABASE_URL
        export RAPPORT_DATA_DIR="$WORK/var"
    elif [[ -z "${DATABASE_URL:-}" && -z "${RAPPORT_DATA_DIR:-}" ]]; then
        export RAPPORT_DATA_DIR="$WORK/var"
    fi
    # The cookie jar and the logs stay private (mktemp -d makes the folder 0700).
    PRIVATE=$(mktemp -d "$WORK/client.XXXXXX")
    # A cluster that was already running (a kept RAPPORT_DATA_DIR) is left running at the end.
    if [[ -n "${RAPPORT_DATA_DIR:-}" && -f "$RAPPORT_DATA_DIR/pgdata/postmaster.pid" ]]; then
        CLUSTER_WAS_RUNNING=1
    fi
    trap bench_cleanup EXIT
    trap 'log "interrupted"; exit 130' INT TERM
    # The whole run is bounded: the watchdog ends it (and the trap cleans up). Each step has
    # its own limit too (bash runs the trap once the current step returns).
    (
        trap 'kill "$sleeper" 2>/dev/null; exit 0' TERM
        sleep "$TIMEOUT" &
        sleeper=$!
        wait "$sleeper"
        echo "[${BENCH_NAME:-bench}] time limit of ${TIMEOUT}s reached, stopping" >&2
        kill -TERM $$ 2>/dev/null
    ) &
    WATCHDOG_PID=$!
}

# What a benchmark needs and this machine lacks, installed with apt-get (Debian or Ubuntu; as
# root, or with sudo) as scripts/prepare-tests does for the tests, so that a benchmark runs on a
# fresh machine: curl, psql, PostgreSQL's server programs (for a private cluster), libpq (to
# build), and the script's own tools in BENCH_TOOLS (commands named as their packages, e.g.
# "wrk haproxy"). Called by bench_build.
bench_install() {
    local missing=() tool
    command -v curl >/dev/null || missing+=(curl)
    command -v psql >/dev/null || missing+=(postgresql-client)
    if [[ -z "${DATABASE_URL:-}" && -z "${RAPPORT_PG_BINDIR:-}" ]] && ! command -v initdb >/dev/null \
        && ! compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; then
        missing+=(postgresql)
    fi
    if [[ -z "${RAPPORT_BIN:-}" ]] && command -v dpkg >/dev/null && ! dpkg -s libpq-dev >/dev/null 2>&1; then
        missing+=(libpq-dev)
    fi
    for tool in ${BENCH_TOOLS:-}; do
        command -v "$tool" >/dev/null || missing+=("$tool")
    done
    [[ ${#missing[@]} -gt 0 ]] || return 0
    log "installing ${missing[*]}"
    local sudo=()
    [[ $(id -u) == 0 ]] || sudo=(sudo)
    "${sudo[@]}" apt-get update -qq
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# The release build (unless RAPPORT_BIN names another binary), and the machine.
bench_build() {
    bench_install
    if [[ -z "${RAPPORT_BIN:-}" ]]; then
        log "building the release binary"
        timeout --foreground 1800 cargo build --release --quiet
    fi
    echo "Machine: $(nproc) CPU ($(lscpu 2>/dev/null | awk -F': *' '/^Model name/ { print $2; exit }')), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo) RAM"
    if [[ -n "${DATABASE_URL:-}" ]]; then
        echo "Database: DATABASE_URL (an existing server)"
    else
        echo "Database: private cluster in $RAPPORT_DATA_DIR"
    fi
}

# Loads N demo contacts (with their history) with SEED: sets LOAD_SECONDS (wall time, with the
# cluster's start), LOAD_OWN (demo-data's own clock) and FIRST_NO (the first contact's No.).
LOAD_SECONDS="-"
LOAD_OWN="-"
FIRST_NO=""
bench_load() {
    local n=$1 seed=$2 start
    [[ "$n" -gt 0 ]] || return 0
    log "loading $n demo contacts (seed $seed)"
    start=$(now)
    timeout --foreground 1200 "$BIN" demo-data --contacts "$n" --seed "$seed" | tee "$PRIVATE/demo-data.log"
    LOAD_SECONDS=$(since "$start")
    LOAD_OWN=$(sed -n 's/^Added .* in \([0-9.]*\) s\.$/\1/p' "$PRIVATE/demo-data.log" | head -n 1)
    FIRST_NO=$(sed -n 's/^Adding [0-9]* contacts (\([^ ]*\) to .*/\1/p' "$PRIVATE/demo-data.log" | head -n 1)
}

# An admin `bench` with a random password (a new one if the user exists): sets USERNAME and
# PASSWORD.
bench_admin() {
    USERNAME=bench
    PASSWORD="key-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
    if ! printf '%s\n' "$PASSWORD" | timeout --foreground 120 "$BIN" user add "$USERNAME" --role admin >/dev/null 2>"$PRIVATE/user.err"; then
        if grep -q "already taken" "$PRIVATE/user.err"; then
            log "user $USERNAME exists: setting a new password"
            printf '%s\n' "$PASSWORD" | timeout --foreground 120 "$BIN" user set-password "$USERNAME" >/dev/null
        else
            cat "$PRIVATE/user.err" >&2
            exit 1
        fi
    fi
}

# Starts `rapport serve` (or a wrapper given as COMMAND) on a free loopback port, its output
# appended to LOG, and waits for /healthz: serve_on_free_port PID_VARIABLE LOG [NAME=value…]
# -- COMMAND…. The server's pid goes into the variable named (at once, so that the script's
# cleanup stops it) and its port into SERVED_PORT. A port found free can be taken before the
# server binds it (a connection of an earlier run lingering on it): then it starts again on
# another, up to five times. Exits with the log when the server does not come up.
serve_on_free_port() {
    local pid_variable=$1 out=$2 attempt up mark pid
    shift 2
    local settings=()
    while [[ $1 != -- ]]; do settings+=("$1"); shift; done
    shift
    for attempt in 1 2 3 4 5; do
        SERVED_PORT=$(free_port)
        mark=0
        [[ ! -f $out ]] || mark=$(wc -l <"$out")
        env "${settings[@]}" RAPPORT_BIND="127.0.0.1:$SERVED_PORT" "$@" >>"$out" 2>&1 &
        pid=$!
        printf -v "$pid_variable" '%s' "$pid"
        up=0
        for _ in $(seq 1 300); do
            curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$SERVED_PORT/healthz" && { up=1; break; }
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.2
        done
        [[ $up == 1 ]] && return 0
        kill -TERM "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
        printf -v "$pid_variable" '%s' ""
        if [[ $attempt -lt 5 ]] && tail -n +$((mark + 1)) "$out" | grep -q "cannot listen"; then
            log "port $SERVED_PORT was taken; starting on another"
            continue
        fi
        log "the server did not come up"
        cat "$out" >&2
        exit 1
    done
}

# `rapport serve` on a free loopback port, with Server-Timing; waits for /healthz. Sets PORT,
# BASE and SERVER_PID; extra environment for the server can be given as NAME=value arguments.
start_server() {
    log "starting rapport serve"
    serve_on_free_port SERVER_PID "$PRIVATE/serve.log" "$@" RAPPORT_COOKIE_SECURE=false RAPPORT_SERVER_TIMING=true \
        -- "$BIN" serve
    PORT=$SERVED_PORT
    BASE="http://127.0.0.1:$PORT"
    log "rapport serve on $BASE"
}

# psql reaches the database the server uses (the private cluster on its socket, which the
# server keeps running). Sets PSQL_URL.
connect_psql() {
    if [[ -n "${DATABASE_URL:-}" ]]; then
        PSQL_URL=$DATABASE_URL
    else
        local data_abs
        data_abs=$(cd "$RAPPORT_DATA_DIR" && pwd)
        PSQL_URL="postgresql://rapport@localhost/rapport?host=$data_abs/run"
    fi
    psql_value "SELECT 1" >/dev/null || { log "psql cannot reach the database"; exit 1; }
}

# The csrf_token of the form on PAGE (as the cookie jar's session sees it).
page_token() {
    local page token
    page=$(curl -s --max-time 30 -c "$JAR" -b "$JAR" "$BASE$1")
    token=$(printf '%s' "$page" | sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' | head -n 1)
    printf '%s' "${token//&amp;/&}"
}

# Signs in as USERNAME like a browser; then TOKEN is the session's form token (read from
# TOKEN_PAGE, default /segments/new).
sign_in() {
    JAR="$PRIVATE/cookies"
    TOKEN=$(page_token /login)
    [[ -n "$TOKEN" ]] || { log "no csrf_token on /login"; exit 1; }
    local status
    status=$(curl -s -o /dev/null -w '%{http_code}' --max-time 30 -c "$JAR" -b "$JAR" \
        -H "Origin: $BASE" \
        --data-urlencode "username=$USERNAME" --data-urlencode "password=$PASSWORD" \
        --data-urlencode "csrf_token=$TOKEN" "$BASE/login")
    [[ "$status" == 303 ]] || { log "sign-in answered $status, expected 303"; exit 1; }
    log "signed in as $USERNAME"
    TOKEN=$(page_token "${TOKEN_PAGE:-/segments/new}")
    [[ -n "$TOKEN" ]] || { log "no csrf_token on ${TOKEN_PAGE:-/segments/new}"; exit 1; }
}

# Adds opportunities by SQL (untimed) until there are N in all, spread over contacts, statuses,
# stages, salespeople and campaigns, in the demo's first unblocked sales cycle.
add_opportunities() {
    local target=$1 have cycle
    have=$(psql_value "SELECT count(*) FROM opportunities")
    (( have < target )) || return 0
    cycle=$(psql_value "SELECT code FROM sales_cycles WHERE NOT blocked ORDER BY code LIMIT 1")
    [[ -n "$cycle" ]] || { log "no sales cycle: load demo data first"; exit 1; }
    log "adding $(thousands $((target - have))) opportunities by SQL (untimed)"
    psql_run -q <<SQL >/dev/null
INSERT INTO opportunities (no, description, contact_id, company_id, salesperson_code, campaign_no,
    sales_cycle_code, status, current_stage, estimated_value, chances_pct, completed_pct,
    probability_pct, current_value, estimated_closing_date, date_closed, close_code, creation_date)
SELECT 'BO' || lpad((g + $have)::text, 8, '0'), 'Bench opportunity ' || g, c.id, c.company_key,
       (SELECT code FROM salespeople ORDER BY code OFFSET g % 5 LIMIT 1),
       (SELECT no FROM campaigns ORDER BY no OFFSET g % 10 LIMIT 1),
       '$cycle', s.status,
       CASE WHEN s.status = 'not_started' THEN NULL ELSE 1 + g % 3 END,
       (g % 200) * 100, 40, 30, 12, (g % 200) * 12,
       CURRENT_DATE + g % 180,
       CASE WHEN s.status IN ('won', 'lost') THEN CURRENT_DATE - g % 365 END,
       CASE s.status WHEN 'won' THEN (SELECT code FROM close_opportunity_codes WHERE kind = 'won' LIMIT 1)
                     WHEN 'lost' THEN (SELECT code FROM close_opportunity_codes WHERE kind = 'lost' LIMIT 1) END,
       CURRENT_DATE - g % 365
FROM generate_series(1, $((target - have))) g
JOIN contacts c ON c.id = 1 + g % (SELECT max(id) FROM contacts)
CROSS JOIN LATERAL (SELECT (ARRAY['not_started', 'in_progress', 'in_progress', 'won', 'lost'])[1 + g % 5] AS status) s;
VACUUM (ANALYZE) opportunities;
SQL
}

# One request: prints "status server_ms total_ms bytes" and keeps the headers and the body in
# $PRIVATE/headers and $PRIVATE/body. server_ms is the Server-Timing header (the whole request
# until the response head), total_ms curl's time.
# request METHOD PATH MAX_TIME [curl arguments…]
request() {
    local method=$1 path=$2 max_time=$3 out server
    shift 3
    local args=(-s -o "${REQUEST_BODY:-$PRIVATE/body}" -D "$PRIVATE/headers" -b "$JAR" -c "$JAR" --max-time "$max_time"
        -w '%{http_code} %{time_total} %{size_download}')
    if [[ $method == POST ]]; then
        args+=(-H "Origin: $BASE" --data-urlencode "csrf_token=$TOKEN")
    else
        args+=(-G)
    fi
    out=$(curl "${args[@]}" "$@" "$BASE$path") || true
    [[ -n "$out" ]] || out="000 0 0"
    server=$(tr -d '\r' <"$PRIVATE/headers" 2>/dev/null | awk -F'dur=' 'tolower($0) ~ /^server-timing:/ { split($2, a, /[;, ]/); print a[1] }' | tail -n 1)
    local code total bytes
    read -r code total bytes <<<"$out"
    printf '%s %s %s %s\n' "$code" "${server:--}" "$(awk -v t="$total" 'BEGIN { printf "%.1f", t * 1000 }')" "$bytes"
}

# Times one request and records it under NAME in $APP_TIMES (name, status, server, total):
# timed NAME METHOD PATH MAX_TIME [curl args…]. Sets LAST_CODE and LAST_SERVER.
timed() {
    local name=$1 line code s t
    shift
    line=$(request "$@")
    read -r code s t _ <<<"$line"
    printf '%s\t%s\t%s\t%s\n' "$name" "$code" "$s" "$t" >>"$APP_TIMES"
    LAST_CODE=$code
    LAST_SERVER=$s
}

# Form fields "key=value;key=value" as curl arguments (NUL-separated, for mapfile -d '').
field_args() {
    local IFS=';' pair
    for pair in $1; do
        [[ -n "$pair" ]] && printf '%s\0' --data-urlencode "$pair"
    done
}

# The redirect target of the last request.
last_location() { tr -d '\r' <"$PRIVATE/headers" | sed -n 's|^[Ll]ocation: *\(.*\)$|\1|p' | head -n 1; }
