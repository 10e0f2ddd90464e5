#!/usr/bin/env bash
# The pages that used to count a segment's lines or a campaign's entries on every view, timed
# one user at a time on kept data: a segment page (first and last page of lines, its lines in
# each order and searched), the segment list, and a campaign's card (its first view after its
# entries changed, which counts the figures, then its other views, which read them kept). See
# BENCHMARKS.md, "Segment totals kept", "Campaign figures kept" and "A segment's lines
# searched and sorted".
#
#   RAPPORT_DATA_DIR=/srv/bench bench/segment_pages.sh
#
# Settings (environment):
#   RAPPORT_DATA_DIR  the kept private cluster (demo data loaded, e.g. by bench/interactions.sh)
#   RAPPORT_BIN       the binary to time (default: the release build, built first)
#   BENCH_SEGMENT     the segment's No. (default: the one with most lines)
#   BENCH_CAMPAIGN    the campaign's No. (default: the one with most entries)
#   BENCH_PAGE_RUNS   timed requests of each page after a warm-up (default 10)
#   BENCH_SEARCHES    searches of the segment's lines (default: zzqx berlin gmbh; words
#                     separated by spaces)
#   BENCH_TIMEOUT     seconds after which the whole run is stopped (default 1800)
#
# The card's first view is made a first view by bumping the campaign's entries version (what
# any write of its entries does). Everything runs on 127.0.0.1.

set -euo pipefail
cd "$(dirname "$0")/.."
TIMEOUT=${BENCH_TIMEOUT:-1800}
N=${BENCH_PAGE_RUNS:-10}
BENCH_NAME=segment-pages
. bench/common.sh

bench_start
bench_build
bench_admin
start_server
connect_psql
sign_in
NO=${BENCH_SEGMENT:-$(psql_value "SELECT s.no FROM segments s JOIN segment_lines l ON l.segment_id = s.id
    AND l.removed_by_step IS NULL GROUP BY s.id, s.no ORDER BY count(*) DESC, s.id LIMIT 1")}
LINES=$(psql_value "SELECT count(*) FROM segment_lines l JOIN segments s ON s.id = l.segment_id
    WHERE s.no = '$NO' AND l.removed_by_step IS NULL")
LAST=$(((LINES + 99) / 100))
CAMPAIGN=${BENCH_CAMPAIGN:-$(psql_value "SELECT campaign_no FROM interaction_log_entries
    WHERE campaign_no IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")}
ENTRIES=$(psql_value "SELECT count(*) FROM interaction_log_entries WHERE campaign_no = '$CAMPAIGN'")
log "segment $NO with $LINES lines (last page $LAST); campaign $CAMPAIGN with $ENTRIES entries"

APP_TIMES="$PRIVATE/app.times"
: >"$APP_TIMES"
runs() { # NAME PATH [curl args…]
    local name=$1 path=$2
    shift 2
    request GET "$path" 120 "$@" >/dev/null
    for _ in $(seq 1 "$N"); do timed "$name" GET "$path" 120 "$@"; done
}
runs "segment page 1" "/segments/$NO"
runs "segment last page" "/segments/$NO" --data-urlencode "page=$LAST"
for sort in no name city salesperson correspondence step; do
    runs "segment by $sort" "/segments/$NO" --data-urlencode "sort=$sort"
done
for q in ${BENCH_SEARCHES:-zzqx berlin gmbh}; do
    runs "segment search $q" "/segments/$NO" --data-urlencode "q=$q"
done
runs "segment list" "/segments"
for _ in $(seq 1 3); do
    psql_value "UPDATE campaigns SET entries_version = entries_version + 1 WHERE no = '$CAMPAIGN'" >/dev/null
    timed "card first view" GET "/campaigns/$CAMPAIGN" 120
done
runs "card kept" "/campaigns/$CAMPAIGN"

echo
echo "Rapport segment pages — $(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?'), binary $BIN"
echo "Segment $NO: $(thousands "$LINES") lines; campaign $CAMPAIGN: $(thousands "$ENTRIES") entries; uptime: $(uptime)"
printf '%-26s %-7s %10s %10s %10s\n' "page" "status" "app med" "app max" "total med"
awk -F'\t' '!seen[$1]++ { print $1 }' "$APP_TIMES" | while IFS= read -r name; do
    col() { awk -F'\t' -v n="$name" -v c="$1" '$1 == n { print $c }' "$APP_TIMES"; }
    printf '%-26s %-7s %10s %10s %10s\n' "$name" "$(col 2 | sort -u | paste -sd/ -)" \
        "$(col 3 | median)" "$(col 3 | maximum)" "$(col 4 | median)"
done
