#!/usr/bin/env bash
# Opportunities benchmark: Create Opportunities from a big segment next to its hand-written SQL,
# then the opportunity list (filtered, first and last page) and the pipeline figures over many
# opportunities.
#
#   bench/opportunities.sh                                   # 1,000,000 contacts, throwaway cluster
#   BENCH_CONTACTS=100000 bench/opportunities.sh             # a smaller load
#   BENCH_CONTACTS=0 RAPPORT_DATA_DIR=/srv/bench bench/opportunities.sh   # data already there
#
# Steps: a segment of the BENCH_ADD filter (about 200,000 lines at a million contacts; built
# untimed through the wizard's form); Create Opportunities' preview page and its POST, timed
# through the web like a browser; the same INSERT … SELECT by hand (psql, \timing) on a scratch
# segment with the same lines, rolled back; then opportunities are added by SQL (untimed) up to
# BENCH_OPPORTUNITIES in all, spread over statuses, stages, salespeople and campaigns, and
# BENCH_PAGE_RUNS times after a warm-up: `/opportunities` (its first page and the pipeline
# figures), the list filtered by status and salesperson, its last page, a campaign's card; each
# next to its hand-written SQL (psql, \timing: the page of 50 rows with its capped count, and
# the pipeline as one GROUP BY over the opportunities), and the machine's load average.
#
# Settings (environment):
#   BENCH_CONTACTS        contacts to load first (default 1000000; 0 = use what is there)
#   BENCH_SEED            demo-data seed (default 1)
#   BENCH_ADD             the segment's filter as the form sends it (default country=DE)
#   BENCH_OPPORTUNITIES   opportunities in all for the page timings (default 500000)
#   BENCH_PAGE_RUNS       timed requests of each page (default 5)
#   BENCH_TIMEOUT         seconds after which the whole run is stopped (default 3600)
#   RAPPORT_DATA_DIR      a private cluster to use and keep (default: a temp dir, removed)
#   DATABASE_URL          an existing database instead of a private cluster (with BENCH_DATABASE=yes)
#
# Everything runs on this machine: the server listens on 127.0.0.1 only.

set -euo pipefail
cd "$(dirname "$0")/.."

CONTACTS=${BENCH_CONTACTS:-1000000}
SEED=${BENCH_SEED:-1}
PAGE_RUNS=${BENCH_PAGE_RUNS:-5}
TIMEOUT=${BENCH_TIMEOUT:-3600}
ADD_FIELDS=${BENCH_ADD:-country=DE}
TARGET=${BENCH_OPPORTUNITIES:-500000}

BENCH_NAME=opportunities-bench
. bench/common.sh

bench_start
bench_build
bench_load "$CONTACTS" "$SEED"
bench_admin
start_server
connect_psql
sign_in

APP_TIMES="$PRIVATE/app.times"
: >"$APP_TIMES"
mapfile -d '' ADD_ARGS < <(field_args "$ADD_FIELDS")
TODAY=$(psql_value "SELECT CURRENT_DATE")
CYCLE=$(psql_value "SELECT code FROM sales_cycles WHERE NOT blocked ORDER BY code LIMIT 1")
[[ -n "$CYCLE" ]] || { log "no sales cycle: load demo data first"; exit 1; }
SALESPERSON=$(psql_value "SELECT code FROM salespeople WHERE NOT blocked ORDER BY code LIMIT 1")
CAMPAIGN=$(psql_value "SELECT no FROM campaigns ORDER BY no LIMIT 1")

# --- Create Opportunities: app, then SQL ------------------------------------------------------
request POST /segments 60 --data-urlencode "description=Opportunities benchmark" \
    --data-urlencode "date=$TODAY" --data-urlencode "salesperson_code=$SALESPERSON" \
    --data-urlencode "campaign_no=$CAMPAIGN" --data-urlencode "unit_cost=0" \
    --data-urlencode "unit_duration_min=0" --data-urlencode "information_flow=outbound" \
    --data-urlencode "initiated_by=us" >/dev/null
NO=$(last_location | sed -n 's|^/segments/\([^/?#]*\).*|\1|p')
[[ -n "$NO" ]] || { log "creating a segment failed"; exit 1; }
request POST "/segments/$NO/add" 600 "${ADD_ARGS[@]}" >/dev/null
SEGMENT_ID=$(psql_value "SELECT id FROM segments WHERE no = '$NO'")
LINES=$(psql_value "SELECT count(*) FROM segment_lines WHERE segment_id = $SEGMENT_ID AND removed_by_step IS NULL")
log "segment $NO: $(thousands "$LINES") lines"
psql_run -q -c "VACUUM (ANALYZE) segment_lines, opportunities" >/dev/null

timed "preview" GET "/segments/$NO/create-opportunities" 120
timed "create" POST "/segments/$NO/create-opportunities" 600 \
    --data-urlencode "sales_cycle_code=$CYCLE" --data-urlencode "description=Benchmark"
CREATE_CODE=$LAST_CODE
MADE=$(psql_value "SELECT count(*) FROM opportunities WHERE segment_no = '$NO'")
timed "create again" POST "/segments/$NO/create-opportunities" 600 \
    --data-urlencode "sales_cycle_code=$CYCLE" --data-urlencode "description=Benchmark"
AGAIN=$(psql_value "SELECT count(*) FROM opportunities WHERE segment_no = '$NO'")

# The hand-written statement on a scratch segment with the same lines, rolled back.
SQL_MS=$(psql_run -qAt <<SQL | awk '/^Time:/ { t += $2 } END { printf "%.1f", t }'
BEGIN;
CREATE TEMP TABLE scratch_lines AS
  SELECT l.contact_id, l.salesperson_code, l.id FROM segment_lines l
  WHERE l.segment_id = $SEGMENT_ID AND l.removed_by_step IS NULL;
ANALYZE scratch_lines;
\timing on
WITH todo AS (
  SELECT l.contact_id, c.company_key, COALESCE(l.salesperson_code, '$SALESPERSON') AS sp,
         row_number() OVER (ORDER BY l.id) AS i
  FROM scratch_lines l JOIN contacts c ON c.id = l.contact_id),
made AS (
  INSERT INTO opportunities (no, description, contact_id, company_id, salesperson_code,
      campaign_no, segment_no, sales_cycle_code, creation_date)
  SELECT 'BENCH' || i, 'Benchmark', contact_id, company_key, sp, '$CAMPAIGN', 'BENCHSQL', '$CYCLE', CURRENT_DATE
  FROM todo
  RETURNING id, status, estimated_value, estimated_closing_date)
INSERT INTO opportunity_entries (opportunity_id, action, date, status_after, estimated_value,
    chances_pct, completed_pct, probability_pct, current_value, estimated_closing_date, user_name)
SELECT id, 'created', CURRENT_DATE, status, estimated_value, 0, 0, 0, 0, estimated_closing_date, 'bench'
FROM made;
\timing off
ROLLBACK;
SQL
)

# --- Many opportunities, then the pages ----------------------------------------------------------
add_opportunities "$TARGET"
TOTAL=$(psql_value "SELECT count(*) FROM opportunities")
pages() {
    local name=$1 path=$2
    request GET "$path" 60 >/dev/null
    for _ in $(seq 1 "$PAGE_RUNS"); do timed "$name" GET "$path" 60; done
}
pages "list and pipeline" "/opportunities"
pages "filtered first" "/opportunities?status=open&salesperson=$SALESPERSON"
pages "filtered last" "/opportunities?status=open&salesperson=$SALESPERSON&last=1"
pages "campaign card" "/campaigns/$CAMPAIGN"

# The pages' hand-written SQL: what a person would write for the same rows and figures (the
# page of 50 with the capped count; the pipeline as one GROUP BY over the opportunities),
# BENCH_PAGE_RUNS times after a warm-up, the median.
SQL_TIMES="$PRIVATE/sql.times"
: >"$SQL_TIMES"
# sql_timed NAME SQL: the statements of SQL (one per line) are one request's; their times add up.
sql_timed() {
    local name=$1 sql=$2 k
    k=$(printf '%s\n' "$sql" | grep -c .)
    {
        echo '\timing on'
        for _ in $(seq 0 "$PAGE_RUNS"); do printf '%s\n' "$sql"; done
    } | psql_run -qAt -o /dev/null 2>&1 |
        awk -v n="$name" -v k="$k" '/^Time:/ { t += $2; if (++i % k == 0) { if (i > k) printf "%s\t%.1f\n", n, t; t = 0 } }' >>"$SQL_TIMES"
}
PAGE_SQL="SELECT o.id, o.no, o.description, c.no, c.name, o.salesperson_code, o.status, o.sales_cycle_code,
    o.current_stage, o.estimated_value, o.probability_pct, o.current_value, o.estimated_closing_date
  FROM opportunities o JOIN contacts c ON c.id = o.contact_id"
OPEN_OF="o.status IN ('not_started', 'in_progress') AND o.salesperson_code = '$SALESPERSON'"
PIPELINE_SQL="SELECT o.sales_cycle_code, o.current_stage, st.description, o.salesperson_code, o.campaign_no, o.status,
    (o.date_closed IS NOT NULL AND o.date_closed >= date_trunc('year', CURRENT_DATE)::date) AS in_period,
    count(*), sum(o.estimated_value), sum(o.current_value)
  FROM opportunities o LEFT JOIN sales_cycle_stages st
    ON st.sales_cycle_code = o.sales_cycle_code AND st.stage = o.current_stage"
# One line each: sql_timed counts a request's statements by its lines.
PAGE_SQL=$(printf '%s' "$PAGE_SQL" | tr '\n' ' ')
PIPELINE_SQL=$(printf '%s' "$PIPELINE_SQL" | tr '\n' ' ')
COUNT_ALL="SELECT count(*) FROM (SELECT 1 FROM opportunities LIMIT 100001) x;"
COUNT_OPEN_OF="SELECT count(*) FROM (SELECT 1 FROM opportunities o WHERE $OPEN_OF LIMIT 100001) x;"
PIPELINE_ALL="$PIPELINE_SQL GROUP BY 1, 2, 3, 4, 5, 6, 7;"
sql_timed "list and pipeline" "$(printf '%s\n' "$PAGE_SQL ORDER BY o.no LIMIT 51;" "$COUNT_ALL" "$PIPELINE_ALL")"
sql_timed "filtered first" "$(printf '%s\n' "$PAGE_SQL WHERE $OPEN_OF ORDER BY o.no LIMIT 51;" "$COUNT_OPEN_OF" "$PIPELINE_ALL")"
sql_timed "filtered last" "$(printf '%s\n' "$PAGE_SQL WHERE $OPEN_OF ORDER BY o.no DESC LIMIT 51;" "$COUNT_OPEN_OF" "$PIPELINE_ALL")"
sql_timed "campaign card" "$PIPELINE_SQL WHERE o.campaign_no = '$CAMPAIGN' GROUP BY 1, 2, 3, 4, 5, 6, 7;"
sql_timed "pipeline alone" "$PIPELINE_ALL"

# --- The report ------------------------------------------------------------------------------------
stat() { awk -F'\t' -v n="$1" '$1 == n { print $3 }' "$APP_TIMES" | "$2"; }
sql_stat() { awk -F'\t' -v n="$1" '$1 == n { print $2 }' "$SQL_TIMES" | median; }
echo
echo "Rapport opportunities benchmark — $(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
echo "Segment $NO: $ADD_FIELDS, $(thousands "$LINES") lines; created $(thousands "$MADE") (status $CREATE_CODE), after a second run $(thousands "$AGAIN")."
echo "Opportunities for the pages: $(thousands "$TOTAL"); pages: $PAGE_RUNS runs after a warm-up. Times in ms (Server-Timing)."
echo "Machine load: $(uptime | sed 's/.*load average/load average/')."
echo
printf '%-20s %10s %10s %10s %8s  %s\n' "step" "app med" "app max" "SQL" "app/SQL" "goal"
for name in "preview" "create" "create again" "list and pipeline" "filtered first" "filtered last" "campaign card"; do
    med=$(stat "$name" median)
    max=$(stat "$name" maximum)
    sql="-"; ratio="-"; goal="≤ 100 ms"
    case $name in
        create) sql=$SQL_MS; goal="≤ 1.5 × SQL, ≤ 3000 ms" ;;
        preview|"create again") goal="-" ;;
        *) sql=$(sql_stat "$name") ;;
    esac
    [[ $sql == - ]] || ratio=$(awk -v a="$med" -v b="$sql" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }')
    printf '%-20s %10s %10s %10s %8s  %s\n' "$name" "$med" "$max" "$sql" "$ratio" "$goal"
done
echo "The pipeline's GROUP BY over every opportunity alone, by hand: $(sql_stat "pipeline alone") ms."
