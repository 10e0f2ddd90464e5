#!/usr/bin/env bash
# Segments benchmark: the wizard's steps on a big segment, each next to its hand-written SQL.
#
#   bench/segments.sh                                   # 1,000,000 contacts, throwaway cluster
#   BENCH_CONTACTS=0 RAPPORT_DATA_DIR=/srv/bench bench/segments.sh   # contacts already there
#   BENCH_DATABASE=yes DATABASE_URL=postgres://… bench/segments.sh         # an existing database (contacts ADDED)
#
# On one fresh segment, BENCH_RUNS times: Preview and Add Contacts (a filter matching about 20 %
# of the contacts), Preview and Reduce, Preview and Refine, Preview and Refresh (the ledger
# replayed on unchanged data: nobody joins or leaves), then Go Back four times (undo Refresh,
# Refine, Reduce, Add), each through the web pages like a browser. After the first
# Add, the segment page (first page, a middle page reached by Next, last page) is opened BENCH_PAGE_RUNS times. Then
# the same steps as hand-written SQL with psql, on a scratch segment made by SQL, timed with
# psql's \timing. The table gives the medians, the ratio app/SQL and the goals (see
# docs/segments.md, Performance goals).
#
# Settings (environment):
#   BENCH_CONTACTS   contacts to load first (default 1000000; 0 = use what is there)
#   BENCH_SEED       demo-data seed (default 1)
#   BENCH_RUNS       rounds of the eight steps, app and SQL each (default 5)
#   BENCH_PAGE_RUNS  timed openings of each segment page, after one warm-up (default 7)
#   BENCH_ADD, BENCH_REDUCE, BENCH_REFINE
#                    the steps' filter fields as the form sends them, "key=value;key=value"
#                    (defaults: country=DE; city=Berlin|Hamburg; mailing_group=NEWSLETTER)
#   BENCH_ADD_SQL, BENCH_REDUCE_SQL, BENCH_REFINE_SQL
#                    the same filters as a condition over `contacts c` for the hand-written SQL
#                    (change them together with the fields above)
#   BENCH_KEEP_SEGMENT=1  keep the app's segment (empty after the last Go Back) at the end
#   BENCH_TIMEOUT    seconds after which the whole run is stopped (default 3600)
#   RAPPORT_DATA_DIR a private cluster to use and keep (default: a temp dir, removed)
#   DATABASE_URL     an existing database instead of a private cluster (with BENCH_DATABASE=yes)
#
# Everything runs on this machine: the server listens on 127.0.0.1 only, curl and psql talk to
# nothing else. Everything started here is stopped at the end, also on Ctrl-C or timeout; the
# scratch segment (and, unless kept, the benchmark's segment) is deleted.

set -euo pipefail

cd "$(dirname "$0")/.."

CONTACTS=${BENCH_CONTACTS:-1000000}
SEED=${BENCH_SEED:-1}
RUNS=${BENCH_RUNS:-5}
PAGE_RUNS=${BENCH_PAGE_RUNS:-7}
TIMEOUT=${BENCH_TIMEOUT:-3600}
KEEP_SEGMENT=${BENCH_KEEP_SEGMENT:-0}

ADD_FIELDS=${BENCH_ADD:-country=DE}
ADD_SQL=${BENCH_ADD_SQL:-"c.country_code = 'DE'"}
REDUCE_FIELDS=${BENCH_REDUCE:-city=Berlin|Hamburg}
REDUCE_SQL=${BENCH_REDUCE_SQL:-"c.city IN ('Berlin', 'Hamburg')"}
REFINE_FIELDS=${BENCH_REFINE:-mailing_group=NEWSLETTER}
REFINE_SQL=${BENCH_REFINE_SQL:-"EXISTS (SELECT 1 FROM contact_mailing_groups m WHERE m.contact_id = c.id AND m.code = 'NEWSLETTER')"}

BENCH_NAME=bench
. bench/common.sh
SCRATCH_ID=""
SEGMENT_ID=""

# Deletes the scratch segment (and the benchmark's, unless kept) before the server stops.
bench_before_exit() {
    if [[ -n "$PSQL_URL" && ( -n "$SCRATCH_ID" || ( -n "$SEGMENT_ID" && $KEEP_SEGMENT != 1 ) ) ]]; then
        local ids=${SCRATCH_ID}
        if [[ -n "$SEGMENT_ID" && $KEEP_SEGMENT != 1 ]]; then ids="${ids:+$ids,}$SEGMENT_ID"; fi
        PSQL_TIMEOUT=120 psql_run -q -c "DELETE FROM segments WHERE id IN ($ids)" >/dev/null 2>&1 \
            || log "could not delete segments $ids"
    fi
}

bench_start
bench_build
bench_load "$CONTACTS" "$SEED"
bench_admin
start_server
connect_psql
sign_in

# --- requests -----------------------------------------------------------------------------------

APP_TIMES="$PRIVATE/app.times"
: >"$APP_TIMES"

# Active lines of a segment (untimed check).
active_lines() { psql_value "SELECT count(*) FROM segment_lines WHERE segment_id = $1 AND removed_by_step IS NULL"; }

mapfile -d '' ADD_ARGS < <(field_args "$ADD_FIELDS")
mapfile -d '' REDUCE_ARGS < <(field_args "$REDUCE_FIELDS")
mapfile -d '' REFINE_ARGS < <(field_args "$REFINE_FIELDS")

# --- the data -----------------------------------------------------------------------------------
TOTAL=$(psql_value "SELECT count(*) FROM contacts")
MATCHING=$(psql_value "SELECT count(*) FROM contacts c WHERE $ADD_SQL")
ELIGIBLE=$(psql_value "SELECT count(*) FROM contacts c WHERE ($ADD_SQL) AND NOT c.privacy_blocked AND NOT c.exclude_from_segment")
SHARE=$(awk -v a="$MATCHING" -v b="$TOTAL" 'BEGIN { if (b > 0) printf "%.1f", 100 * a / b; else print "-" }')
log "contacts: $TOTAL; Add filter \"$ADD_FIELDS\" matches $MATCHING ($SHARE %), $ELIGIBLE addable"

# --- the segment --------------------------------------------------------------------------------
request POST /segments 60 \
    --data-urlencode "description=Benchmark $(date +%Y-%m-%dT%H:%M:%S)" \
    --data-urlencode "date=$(date +%Y-%m-%d)" --data-urlencode "unit_cost=1.50" \
    --data-urlencode "unit_duration_min=5" --data-urlencode "information_flow=outbound" \
    --data-urlencode "initiated_by=us" >/dev/null
NO=$(tr -d '\r' <"$PRIVATE/headers" | sed -n 's|^[Ll]ocation: */segments/\([^/?#]*\).*|\1|p' | head -n 1)
[[ -n "$NO" ]] || { log "creating a segment failed"; head -n 1 "$PRIVATE/headers" >&2; exit 1; }
SEGMENT_ID=$(psql_value "SELECT id FROM segments WHERE no = '$NO'")
SCRATCH_NO="BENCHSQL$$"
SCRATCH_ID=$(psql_value "INSERT INTO segments (no, description) VALUES ('$SCRATCH_NO', 'bench/segments.sh scratch (hand-written SQL)') RETURNING id" | head -n 1)
log "segment $NO (id $SEGMENT_ID) for the app, scratch segment $SCRATCH_NO (id $SCRATCH_ID) for the SQL"

# --- the app ------------------------------------------------------------------------------------
COUNTS="$PRIVATE/counts"
: >"$COUNTS"
LAST_PAGE=1
MID_PAGE=1
app_round() {
    local round=$1 lines
    timed "preview add" GET "/segments/$NO/add" 60 "${ADD_ARGS[@]}" --data-urlencode "preview=1"
    PREVIEW_ADDS=$(tr '\n' ' ' <"$PRIVATE/body" | sed -n 's/.*This step adds <strong>\([0-9,]*\)<\/strong>.*/\1/p' | tr -d ,)
    timed "add" POST "/segments/$NO/add" 600 "${ADD_ARGS[@]}"
    lines=$(active_lines "$SEGMENT_ID")
    printf 'app\tadd\t%s\t%s\n' "$round" "$lines" >>"$COUNTS"
    log "round $round: add → $LAST_CODE in $LAST_SERVER ms, $lines lines (preview said ${PREVIEW_ADDS:-?})"
    if [[ $round == 1 ]]; then
        APP_PAGE_LINES=$lines
        LAST_PAGE=$(((lines + 99) / 100))
        [[ $LAST_PAGE -ge 1 ]] || LAST_PAGE=1
        request GET "/segments/$NO" 60 >/dev/null
        for _ in $(seq 1 "$PAGE_RUNS"); do timed "page 1" GET "/segments/$NO" 60; done
        request GET "/segments/$NO" 60 --data-urlencode "page=$LAST_PAGE" >/dev/null
        for _ in $(seq 1 "$PAGE_RUNS"); do timed "page last" GET "/segments/$NO" 60 --data-urlencode "page=$LAST_PAGE"; done
        PAGE_BYTES=$(wc -c <"$PRIVATE/body")
        # A page in the middle as its Previous page's Next link asks for it (after that page's
        # last line).
        MID_PAGE=$(((LAST_PAGE + 1) / 2))
        MID_AFTER=$(psql_value "SELECT id FROM segment_lines WHERE segment_id = $SEGMENT_ID AND removed_by_step IS NULL
            ORDER BY company_name, company_no, is_person, contact_name, id OFFSET $(((MID_PAGE - 1) * 100 - 1)) LIMIT 1")
        request GET "/segments/$NO" 60 --data-urlencode "page=$MID_PAGE" --data-urlencode "after=$MID_AFTER" >/dev/null
        for _ in $(seq 1 "$PAGE_RUNS"); do
            timed "page mid" GET "/segments/$NO" 60 --data-urlencode "page=$MID_PAGE" --data-urlencode "after=$MID_AFTER"
        done
    fi
    timed "preview reduce" GET "/segments/$NO/reduce" 60 "${REDUCE_ARGS[@]}" --data-urlencode "preview=1"
    timed "reduce" POST "/segments/$NO/reduce" 600 "${REDUCE_ARGS[@]}"
    lines=$(active_lines "$SEGMENT_ID")
    printf 'app\treduce\t%s\t%s\n' "$round" "$lines" >>"$COUNTS"
    timed "preview refine" GET "/segments/$NO/refine" 60 "${REFINE_ARGS[@]}" --data-urlencode "preview=1"
    timed "refine" POST "/segments/$NO/refine" 600 "${REFINE_ARGS[@]}"
    lines=$(active_lines "$SEGMENT_ID")
    printf 'app\trefine\t%s\t%s\n' "$round" "$lines" >>"$COUNTS"
    timed "preview refresh" GET "/segments/$NO/refresh" 60
    local steps_before steps_after
    steps_before=$(psql_value "SELECT count(*) FROM segment_steps WHERE segment_id = $SEGMENT_ID")
    timed "refresh" POST "/segments/$NO/refresh" 600
    steps_after=$(psql_value "SELECT count(*) FROM segment_steps WHERE segment_id = $SEGMENT_ID")
    lines=$(active_lines "$SEGMENT_ID")
    printf 'app\trefresh\t%s\t%s\n' "$round" "$lines" >>"$COUNTS"
    local step
    for step in refresh refine reduce add; do
        # A Refresh that changes nothing records no step ("the segment is up to date"), so
        # there is nothing for Go Back to undo.
        if [[ $step == refresh && $steps_after == "$steps_before" ]]; then
            log "round $round: Refresh changed nothing and recorded no step: no Go Back for it"
            continue
        fi
        timed "undo $step" POST "/segments/$NO/go-back" 600
        lines=$(active_lines "$SEGMENT_ID")
        printf 'app\tundo %s\t%s\t%s\n' "$step" "$round" "$lines" >>"$COUNTS"
    done
    log "round $round: app steps done; $lines lines left"
}

# --- the hand-written SQL -----------------------------------------------------------------------
# One psql session per round; "\echo @@ NAME" labels the statements after it, psql's \timing
# times each (client side: sent to result received, commit included), and the command tags
# give the rows. Statements labelled "-" are not counted.
SQL_TIMES="$PRIVATE/sql.times"
: >"$SQL_TIMES"
S=""   # the scratch segment's id, in the statements below
sql_round() {
    local round=$1 script="$PRIVATE/round.sql" out="$PRIVATE/round.out" i
    S=$SCRATCH_ID
    {
        # The app's connections run with JIT off (src/db/mod.rs); so does this session.
        echo 'SET jit = off;'
        echo '\timing on'
        echo '\echo @@ preview add'
        # What Add would do: the counts, and the first 25 rows in line order.
        cat <<SQL
SELECT count(*) FILTER (WHERE NOT c.privacy_blocked AND NOT c.exclude_from_segment AND NOT EXISTS (
           SELECT 1 FROM segment_lines l WHERE l.segment_id = $S AND l.contact_id = c.id AND l.removed_by_step IS NULL)),
       count(*) FILTER (WHERE c.exclude_from_segment AND NOT c.privacy_blocked),
       count(*) FILTER (WHERE c.privacy_blocked)
FROM contacts c WHERE $ADD_SQL;
SELECT c.no, c.name, COALESCE(co.name, CASE WHEN c.type = 'company' THEN c.name ELSE '' END) AS company_name
FROM contacts c LEFT JOIN contacts co ON co.id = c.company_id AND co.type = 'company' WHERE $ADD_SQL
ORDER BY 3, COALESCE(co.no, CASE WHEN c.type = 'company' THEN c.no ELSE '' END), c.type = 'person', c.name, c.id LIMIT 25;
SQL
        # The duplicate check as NOT IN (a hashed subplan, read once before the first row goes
        # in): with NOT EXISTS and the statistics of an empty table, the planner picks a nested
        # loop over a sequential scan of segment_lines, which rereads the rows this statement
        # has already inserted (quadratic: 422 s for 196,228 rows here).
        echo '\echo @@ add'
        cat <<SQL
INSERT INTO segment_lines (segment_id, contact_id, added_by_step, company_name, company_no, is_person, contact_name)
SELECT $S, c.id, 1, COALESCE(co.name, CASE WHEN c.type = 'company' THEN c.name ELSE '' END), COALESCE(co.no, CASE WHEN c.type = 'company' THEN c.no ELSE '' END), c.type = 'person', c.name
FROM contacts c LEFT JOIN contacts co ON co.id = c.company_id AND co.type = 'company'
WHERE ($ADD_SQL) AND NOT c.privacy_blocked AND NOT c.exclude_from_segment
  AND c.id NOT IN (SELECT l.contact_id FROM segment_lines l WHERE l.segment_id = $S AND l.removed_by_step IS NULL);
SQL
        if [[ $round == 1 ]]; then
            for page in 1 last; do
                # The last page read from the end of the line order, as the app does.
                local order="l.company_name, l.company_no, l.is_person, l.contact_name, l.id" limit=100
                if [[ $page == last ]]; then
                    order="l.company_name DESC, l.company_no DESC, l.is_person DESC, l.contact_name DESC, l.id DESC"
                    limit=$((APP_PAGE_LINES - (LAST_PAGE - 1) * 100))
                fi
                for i in $(seq 0 "$PAGE_RUNS"); do
                    # The first of each is the warm-up.
                    if [[ $i == 0 ]]; then echo '\echo @@ -'; else echo "\\echo @@ page $page"; fi
                    cat <<SQL
SELECT count(*), COALESCE(sum(COALESCE(l.unit_cost, s.unit_cost)), 0)
FROM segments s LEFT JOIN segment_lines l ON l.segment_id = s.id AND l.removed_by_step IS NULL WHERE s.id = $S;
SELECT l.id, c.no, l.contact_name, l.company_name, l.is_person, COALESCE(l.unit_cost, s.unit_cost)
FROM segment_lines l JOIN segments s ON s.id = l.segment_id JOIN contacts c ON c.id = l.contact_id
WHERE l.segment_id = $S AND l.removed_by_step IS NULL
ORDER BY $order LIMIT $limit;
SQL
                done
            done
        fi
        echo '\echo @@ preview reduce'
        cat <<SQL
SELECT count(*) FROM segment_lines l JOIN contacts c ON c.id = l.contact_id
WHERE l.segment_id = $S AND l.removed_by_step IS NULL AND ($REDUCE_SQL);
SELECT c.no, l.contact_name, l.company_name FROM segment_lines l JOIN contacts c ON c.id = l.contact_id
WHERE l.segment_id = $S AND l.removed_by_step IS NULL AND ($REDUCE_SQL)
ORDER BY l.company_name, l.company_no, l.is_person, l.contact_name, l.id LIMIT 25;
SQL
        echo '\echo @@ reduce'
        cat <<SQL
UPDATE segment_lines l SET removed_by_step = 2 FROM contacts c
WHERE l.segment_id = $S AND l.removed_by_step IS NULL AND c.id = l.contact_id AND ($REDUCE_SQL);
SQL
        echo '\echo @@ preview refine'
        cat <<SQL
SELECT count(*) FROM segment_lines l JOIN contacts c ON c.id = l.contact_id
WHERE l.segment_id = $S AND l.removed_by_step IS NULL AND NOT ($REFINE_SQL);
SELECT c.no, l.contact_name, l.company_name FROM segment_lines l JOIN contacts c ON c.id = l.contact_id
WHERE l.segment_id = $S AND l.removed_by_step IS NULL AND NOT ($REFINE_SQL)
ORDER BY l.company_name, l.company_no, l.is_person, l.contact_name, l.id LIMIT 25;
SQL
        echo '\echo @@ refine'
        cat <<SQL
UPDATE segment_lines l SET removed_by_step = 3 FROM contacts c
WHERE l.segment_id = $S AND l.removed_by_step IS NULL AND c.id = l.contact_id AND NOT ($REFINE_SQL);
SQL
        # Refresh: the ledger's three filters folded into one selection (what a person writing
        # the SQL would do), compared with the lines: who joins, who leaves. NOT IN (hashed
        # subplans) again: with NOT EXISTS and segment_lines' statistics still saying "empty",
        # the planner chose a nested loop over m for each line (27 s for 33,594 lines).
        local members="CREATE TEMP TABLE m ON COMMIT DROP AS SELECT c.id AS contact_id FROM contacts c
WHERE ($ADD_SQL) AND NOT c.privacy_blocked AND NOT c.exclude_from_segment AND NOT ($REDUCE_SQL) AND ($REFINE_SQL);
ANALYZE m;"
        echo '\echo @@ preview refresh'
        cat <<SQL
BEGIN;
$members
SELECT (SELECT count(*) FROM m WHERE m.contact_id NOT IN (
          SELECT l.contact_id FROM segment_lines l WHERE l.segment_id = $S AND l.removed_by_step IS NULL)),
       (SELECT count(*) FROM segment_lines l WHERE l.segment_id = $S AND l.removed_by_step IS NULL
          AND l.contact_id NOT IN (SELECT m.contact_id FROM m));
COMMIT;
SQL
        echo '\echo @@ refresh'
        cat <<SQL
BEGIN;
$members
INSERT INTO segment_lines (segment_id, contact_id, added_by_step, company_name, company_no, is_person, contact_name)
SELECT $S, c.id, 4, COALESCE(co.name, CASE WHEN c.type = 'company' THEN c.name ELSE '' END), COALESCE(co.no, CASE WHEN c.type = 'company' THEN c.no ELSE '' END), c.type = 'person', c.name
FROM m JOIN contacts c ON c.id = m.contact_id LEFT JOIN contacts co ON co.id = c.company_id AND co.type = 'company'
WHERE m.contact_id NOT IN (SELECT l.contact_id FROM segment_lines l WHERE l.segment_id = $S AND l.removed_by_step IS NULL);
UPDATE segment_lines l SET removed_by_step = 4 WHERE l.segment_id = $S AND l.removed_by_step IS NULL
  AND l.contact_id NOT IN (SELECT m.contact_id FROM m);
COMMIT;
SQL
        echo '\echo @@ undo refresh'
        echo "DELETE FROM segment_lines WHERE segment_id = $S AND added_by_step = 4;"
        echo "UPDATE segment_lines SET removed_by_step = NULL WHERE segment_id = $S AND removed_by_step = 4;"
        echo '\echo @@ undo refine'
        echo "UPDATE segment_lines SET removed_by_step = NULL WHERE segment_id = $S AND removed_by_step = 3;"
        echo '\echo @@ undo reduce'
        echo "UPDATE segment_lines SET removed_by_step = NULL WHERE segment_id = $S AND removed_by_step = 2;"
        echo '\echo @@ undo add'
        echo "DELETE FROM segment_lines WHERE segment_id = $S AND added_by_step = 1;"
    } >"$script"
    psql_run -At -f "$script" >"$out"
    # Times per label (statements of one label add up; "page …" has PAGE_RUNS samples).
    awk -v round="$round" '
        /^@@ / { label = substr($0, 4); n[label]++; next }
        /^Time: / && label != "-" { t[label "\t" n[label]] += $2; next }
        /^(INSERT 0|UPDATE|DELETE) / && label != "-" { rows[label] = $NF }
        END {
            for (k in t) { split(k, a, "\t"); printf "%s\t%s\t%s\n", a[1], t[k], rows[a[1]] }
        }' "$out" >>"$SQL_TIMES"
    # Lines after each step, from the command tags of the statements on segment_lines.
    awk -v round="$round" '
        function flush() { if (changed) printf "sql\t%s\t%s\t%s\n", label, round, lines; changed = 0 }
        /^@@ / { flush(); label = substr($0, 4); next }
        label == "-" || label ~ /^(preview|page)/ { next }
        /^INSERT 0 / { lines = (label == "add" ? $3 : lines + $3); changed = 1 }
        /^UPDATE / { lines += (label ~ /^undo/ ? $2 : -$2); changed = 1 }
        /^DELETE / { lines -= $2; changed = 1 }
        END { flush() }' "$out" >>"$COUNTS"
    log "round $round: SQL steps done"
}

vacuum() { PSQL_TIMEOUT=600 psql_run -q -c "VACUUM (ANALYZE) segment_lines" >/dev/null; }

for round in $(seq 1 "$RUNS"); do
    vacuum
    app_round "$round"
    vacuum
    sql_round "$round"
done

# --- report -------------------------------------------------------------------------------------
app_stat() { # NAME COLUMN(3 server, 4 total) STAT(median|maximum)
    awk -F'\t' -v n="$1" -v c="$2" '$1 == n && $c != "-" { print $c }' "$APP_TIMES" | "$3"
}
app_codes() { awk -F'\t' -v n="$1" '$1 == n { print $2 }' "$APP_TIMES" | sort -u | paste -sd/ -; }
sql_stat() { awk -F'\t' -v n="$1" '$1 == n { print $2 }' "$SQL_TIMES" | "$2"; }
count_of() { awk -F'\t' -v w="$1" -v n="$2" '$1 == w && $2 == n { print $4 }' "$COUNTS" | sort -u | paste -sd/ -; }

echo
echo "Rapport segments benchmark — $(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet HEAD -- src migrations templates 2>/dev/null || echo ' (with uncommitted changes)')"
echo "Contacts: $(thousands "$TOTAL"). Segment $NO; hand-written SQL on scratch segment $SCRATCH_NO."
echo "Add:    $ADD_FIELDS — matches $(thousands "$MATCHING") contacts ($SHARE %), $(thousands "$ELIGIBLE") neither excluded nor privacy blocked"
echo "Reduce: $REDUCE_FIELDS;  Refine: $REFINE_FIELDS"
echo "SQL:    add $ADD_SQL; reduce $REDUCE_SQL; refine $REFINE_SQL"
echo "Rounds: $RUNS of the eight steps (app, then SQL, VACUUM (ANALYZE) segment_lines before each);"
echo "        pages: $PAGE_RUNS openings after a warm-up, at $(thousands "${APP_PAGE_LINES:-0}") lines (last page = $LAST_PAGE, ${PAGE_BYTES:-?} bytes)."
echo "Times in ms: app = the Server-Timing header (the whole request, step and commit included), total ="
echo "curl's time; SQL = psql's \\timing of the hand-written statement(s), commit included."
echo
printf '%-16s %-7s %10s %10s %10s %10s %7s  %-24s %s\n' "step" "status" "app med" "app max" "total med" "SQL med" "app/SQL" "goal" "met"
for name in "preview add" "add" "page 1" "page mid" "page last" "preview reduce" "reduce" "preview refine" "refine" "preview refresh" "refresh" "undo refresh" "undo refine" "undo reduce" "undo add"; do
    smed=$(app_stat "$name" 3 median)
    smax=$(app_stat "$name" 3 maximum)
    tmed=$(app_stat "$name" 4 median)
    qmed=$(sql_stat "$name" median)
    [[ -n "$qmed" && "$qmed" != "-" ]] && qmed=$(awk -v v="$qmed" 'BEGIN { printf "%.1f", v }') || qmed="-"
    ratio=$(awk -v a="$smed" -v b="$qmed" 'BEGIN { if (a != "-" && b != "-" && b > 0) printf "%.2f", a / b; else print "-" }')
    case $name in
        preview*) goal="≤ 500 ms"; met=$(awk -v a="$smed" 'BEGIN { print (a != "-" && a <= 500) ? "yes" : "NO" }') ;;
        page*) goal="≤ 100 ms"; met=$(awk -v a="$smed" 'BEGIN { print (a != "-" && a <= 100) ? "yes" : "NO" }') ;;
        *) goal="≤ 1.5 × SQL, ≤ 3000 ms"
           # Under 20 ms the request's own overhead (session, ledger, audit, HTTP) dominates.
           met=$(awk -v a="$smed" -v r="$ratio" 'BEGIN { if (a == "-" || r == "-") print "?"; else if (a <= 3000 && r <= 1.5) print "yes"; else if (a <= 20) print "yes (< 20 ms)"; else if (a > 3000 && r > 1.5) print "NO (both)"; else if (a > 3000) print "NO (3 s)"; else print "NO (1.5×)" }') ;;
    esac
    label=$name
    [[ $name == "page last" ]] && label="page $LAST_PAGE"
    [[ $name == "page mid" ]] && label="page $MID_PAGE next"
    printf '%-16s %-7s %10s %10s %10s %10s %7s  %-24s %s\n' "$label" "$(app_codes "$name")" "$smed" "$smax" "$tmed" "$qmed" "$ratio" "$goal" "$met"
done
echo
echo "Lines on the segment after each step, app / SQL (every round):"
for name in add reduce refine refresh "undo refresh" "undo refine" "undo reduce" "undo add"; do
    printf '  %-12s %s / %s\n' "$name" "$(count_of app "$name")" "$(count_of sql "$name")"
done
