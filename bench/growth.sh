#!/usr/bin/env bash
# How cost grows with the number of contacts: the pages and the wizard's steps at 100,000,
# 1,000,000 and 3,000,000 demo contacts (each with its history), one size after the other.
#
#   bench/growth.sh                                  # 100,000, 1,000,000 and 3,000,000
#   BENCH_SIZES="20000 200000" bench/growth.sh       # other sizes
#   BENCH_KEEP=/srv/growth bench/growth.sh           # keep each size's cluster in /srv/growth/<size>
#
# For each size: a new private cluster, the demo load (timed), then each page opened
# BENCH_RUNS times after one warm-up, one user, with every count made on every view
# (RAPPORT_LIST_COUNT_KEEP_S=0: the worst case), and the contact list again with the count kept
# as the office mostly sees it (the default: the warm-up counts, the timed views do not); then
# the wizard's steps and the segment pages through bench/segments.sh (a segment of its
# BENCH_ADD filter, default country=DE: about a fifth of the contacts, so the steps' lines grow
# with the size), BENCH_STEP_RUNS rounds. It prints one table: each page's and each step's
# server time (the Server-Timing header, median) per size, and for the steps the time per
# thousand lines. A page an index serves should not grow with the size; a step should grow
# with its lines, not with the table.
#
# Disk: about 7 GB a million contacts while a size runs; a size's cluster is removed after it
# unless BENCH_KEEP is set.
#
# Settings (environment):
#   BENCH_SIZES      contacts per size (default "100000 1000000 3000000")
#   BENCH_SEED       demo-data seed (default 1)
#   BENCH_RUNS       timed openings of each page (default 5, after one warm-up)
#   BENCH_STEP_RUNS  rounds of the wizard's steps per size (default 1)
#   BENCH_KEEP       a folder to keep each size's cluster in (default: removed after the size)
#   BENCH_TIMEOUT    seconds after which the whole run is stopped (default 10800)
#
# Everything runs on this machine: the server listens on 127.0.0.1 only. Everything started
# here is stopped at the end, also on Ctrl-C or timeout.

set -euo pipefail

cd "$(dirname "$0")/.."

SIZES=${BENCH_SIZES:-"100000 1000000 3000000"}
SEED=${BENCH_SEED:-1}
RUNS=${BENCH_RUNS:-5}
STEP_RUNS=${BENCH_STEP_RUNS:-1}
KEEP=${BENCH_KEEP:-}
TIMEOUT=${BENCH_TIMEOUT:-10800}

# Each size has its own cluster: a database or cluster of the environment is never used.
unset DATABASE_URL RAPPORT_DATA_DIR
BENCH_NAME=growth
. bench/common.sh
bench_start
bench_build
# The sizes' scripts use this binary, without building again.
export RAPPORT_BIN=$BIN
RESULTS="$WORK/results"
: >"$RESULTS"
LOADS="$WORK/loads"
: >"$LOADS"
# Timed openings of one page: "size<TAB>name<TAB>median ms" into $RESULTS.
REQUEST_BODY=/dev/null
page() { # SIZE NAME PATH
    local size=$1 name=$2 path=$3 times=() code s
    request GET "$path" 120 >/dev/null
    for _ in $(seq 1 "$RUNS"); do
        read -r code s _ < <(request GET "$path" 120)
        [[ $code == 200 ]] || { log "$name ($path) answered $code"; exit 1; }
        times+=("$s")
    done
    printf '%s\t%s\t%s\n' "$size" "$name" "$(printf '%s\n' "${times[@]}" | median)" >>"$RESULTS"
    log "$size: $name $(printf '%s\n' "${times[@]}" | median) ms"
}

for size in $SIZES; do
    if [[ -n $KEEP ]]; then
        mkdir -p "$KEEP"
        export RAPPORT_DATA_DIR="$KEEP/$size"
    else
        export RAPPORT_DATA_DIR="$WORK/var-$size"
    fi
    [[ ! -e $RAPPORT_DATA_DIR ]] || { log "$RAPPORT_DATA_DIR exists: a size starts from an empty cluster"; exit 1; }
    CLUSTER_WAS_RUNNING=0
    bench_load "$size" "$SEED" >&2
    printf '%s\t%s\n' "$size" "$LOAD_OWN" >>"$LOADS"
    bench_admin
    start_server RAPPORT_LIST_COUNT_KEEP_S=0
    connect_psql
    TOKEN_PAGE=/contacts sign_in
    card=$(psql_value "SELECT no FROM contacts WHERE type = 'company' ORDER BY id LIMIT 1")
    person=$(psql_value "SELECT c.no FROM contacts c WHERE c.type = 'person' ORDER BY c.id LIMIT 1")
    far=$(psql_value "SELECT no FROM contacts ORDER BY city, id OFFSET 7499 LIMIT 1")
    campaign=$(psql_value "SELECT campaign_no FROM interaction_log_entries WHERE campaign_no IS NOT NULL
        GROUP BY campaign_no ORDER BY count(*) DESC LIMIT 1")
    entries=$(psql_value "SELECT count(*) FROM interaction_log_entries")
    printf '%s\tentries\t%s\n' "$size" "$entries" >>"$RESULTS"
    page "$size" "home" "/"
    page "$size" "contacts" "/contacts"
    page "$size" "contacts q=hansen" "/contacts?q=hansen"
    page "$size" "contacts DK retail" "/contacts?country=DK&industry_group=RETAIL"
    page "$size" "contacts sort=city" "/contacts?sort=city"
    page "$size" "contacts far page (city)" "/contacts?sort=city&after=$far"
    page "$size" "contacts last page (city)" "/contacts?sort=city&last=1"
    page "$size" "company card" "/contacts/$card"
    page "$size" "person card" "/contacts/$person"
    page "$size" "segments" "/segments"
    page "$size" "interactions" "/interactions"
    page "$size" "interactions of a campaign" "/interactions?campaign=$campaign"
    page "$size" "campaign card" "/campaigns/$campaign"
    stop_server
    # The contact list again as an office sees it: a count that took a while is kept for a
    # while (RAPPORT_LIST_COUNT_KEEP_S, default 30 s), so only the warm-up counts.
    start_server
    rm -f "$PRIVATE/cookies"
    TOKEN_PAGE=/contacts sign_in
    page "$size" "contacts (count kept)" "/contacts"
    page "$size" "contacts q=hansen (count kept)" "/contacts?q=hansen"
    page "$size" "contacts DK retail (count kept)" "/contacts?country=DK&industry_group=RETAIL"
    page "$size" "contacts last page (count kept)" "/contacts?sort=city&last=1"
    stop_server
    # The wizard's steps and the segment pages, on the same cluster (the script signs in and
    # stops what it starts).
    out="$WORK/segments-$size.txt"
    BENCH_CONTACTS=0 BENCH_RUNS=$STEP_RUNS BENCH_PAGE_RUNS=$RUNS BENCH_TIMEOUT=$TIMEOUT \
        bench/segments.sh >"$out" 2>"$WORK/segments-$size.log" \
        || { log "bench/segments.sh failed at $size"; tail -n 30 "$WORK/segments-$size.log" >&2; exit 1; }
    cat "$out" >&2
    # Its table: "step status app-med app-max total-med SQL-med app/SQL goal…".
    awk -v size="$size" '
        /^step / { on = 1; next }
        on && NF == 0 { exit }
        on {
            name = $1; i = 2
            if ($1 == "preview" || $1 == "undo") { name = $1 " " $2; i = 3 }
            if ($1 == "page") { name = ($2 == "1") ? "segment page 1" : ($3 == "next" ? "segment page (middle)" : "segment page (last)"); i = ($3 == "next") ? 4 : 3 }
            printf "%s\t%s\t%s\n", size, name, $(i + 1)
        }' "$out" >>"$RESULTS"
    awk -v size="$size" '/^  add / { split($2, a, "/"); gsub(/,/, "", a[1]); printf "%s\tlines\t%s\n", size, a[1] }' "$out" >>"$RESULTS"
    if [[ -z $KEEP ]]; then
        rm -rf "$RAPPORT_DATA_DIR"
    fi
done

# --- report -------------------------------------------------------------------------------------
value() { awk -F'\t' -v s="$1" -v n="$2" '$1 == s && $2 == n { print $3 }' "$RESULTS" | tail -n 1; }
echo
echo "Rapport growth benchmark — $(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
echo "Pages: $RUNS openings after a warm-up, one user, counts made on every view; steps: $STEP_RUNS round(s) of bench/segments.sh."
echo "Server time in ms (median); for the steps also, in parentheses, per thousand lines of the segment after Add."
echo
printf '%-34s' "contacts"
for size in $SIZES; do printf ' %16s' "$(thousands "$size")"; done
echo
printf '%-34s' "load (demo-data's clock, s)"
for size in $SIZES; do printf ' %16s' "$(awk -F'\t' -v s="$size" '$1 == s { print $2 }' "$LOADS")"; done
echo
for name in entries lines; do
    printf '%-34s' "$name"
    for size in $SIZES; do printf ' %16s' "$(thousands "$(value "$size" "$name")")"; done
    echo
done
for name in "home" "contacts" "contacts q=hansen" "contacts DK retail" "contacts sort=city" \
    "contacts far page (city)" "contacts last page (city)" "contacts (count kept)" \
    "contacts q=hansen (count kept)" "contacts DK retail (count kept)" \
    "contacts last page (count kept)" "company card" "person card" "segments" \
    "interactions" "interactions of a campaign" "campaign card" \
    "segment page 1" "segment page (middle)" "segment page (last)"; do
    printf '%-34s' "$name"
    for size in $SIZES; do printf ' %16s' "$(value "$size" "$name")"; done
    echo
done
for name in "preview add" "add" "preview reduce" "reduce" "preview refine" "refine" \
    "preview refresh" "refresh" "undo refresh" "undo refine" "undo reduce" "undo add"; do
    printf '%-34s' "$name"
    for size in $SIZES; do
        ms=$(value "$size" "$name")
        lines=$(value "$size" lines)
        printf ' %16s' "$ms$(awk -v m="$ms" -v l="$lines" 'BEGIN { if (m != "" && m != "-" && l > 0) printf " (%.2f)", m * 1000 / l }')"
    done
    echo
done
