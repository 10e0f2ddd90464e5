#!/usr/bin/env bash
# Interactions benchmark: Log Segment, its check page, Cancel and Restore, an Add by the
# Interactions section and the interaction pages, on demo contacts with their history (about
# three interaction log entries a contact), each step next to its hand-written SQL.
#
#   bench/interactions.sh                                # 1,000,000 contacts, throwaway cluster
#   BENCH_CONTACTS=200000 bench/interactions.sh          # a smaller load
#   BENCH_CONTACTS=0 RAPPORT_DATA_DIR=/srv/bench bench/interactions.sh   # data already there
#
# BENCH_RUNS times: a segment of the Add filter's contacts (about 200,000 at a million
# contacts; built untimed), then through the web pages like a browser: its check page
# (GET /segments/{no}/log), Log Segment (POST), the campaign's card right after it (its first
# view after a log: its figures computed by the view, or by the background task that Log
# Segment started, whichever comes first), Cancel, Restore. Then the same on a scratch
# segment with the same lines, as hand-written SQL with psql (\timing): the check's two
# queries, the entries' INSERT … SELECT with the campaign entry and the status, the two
# UPDATEs of Cancel, and of Restore. Logged entries are records (they cannot be deleted): every
# round leaves its entries, so keep BENCH_RUNS small on a kept database.
#
# Then, BENCH_PAGE_RUNS times after a warm-up: the preview and the Add of the Interactions
# section (the responses to the campaign with most responses in the last year; with the
# wizard's "campaign response" field when the form has it, else every entry of the campaign
# in the last year — the run says which), `/interactions?campaign=…` first and last page, the
# campaign's card `/campaigns/{no}` (its other views: the figures kept; "n/a" while the page
# answers anything but 200), and a
# contact card with 50 entries (the contact gets single interactions up to 50, untimed).
#
# Settings (environment):
#   BENCH_CONTACTS   contacts to load first, with their history (default 1000000; 0 = use what is there)
#   BENCH_SEED       demo-data seed (default 1)
#   BENCH_RUNS       rounds of check, log, cancel and restore, app and SQL each (default 3)
#   BENCH_PAGE_RUNS  timed requests of each page and of the Interactions Add (default 5)
#   BENCH_ADD        the segment's filter as the form sends it, "key=value;key=value" (default
#                    country=DE: about 20 % of the contacts, 200,000 lines at a million)
#   BENCH_TIMEOUT    seconds after which the whole run is stopped (default 3600)
#   RAPPORT_DATA_DIR a private cluster to use and keep (default: a temp dir, removed)
#   DATABASE_URL     an existing database instead of a private cluster (with BENCH_DATABASE=yes)
#
# Everything runs on this machine: the server listens on 127.0.0.1 only, curl and psql talk to
# nothing else. Everything started here is stopped at the end, also on Ctrl-C or timeout.

set -euo pipefail

cd "$(dirname "$0")/.."

CONTACTS=${BENCH_CONTACTS:-1000000}
SEED=${BENCH_SEED:-1}
RUNS=${BENCH_RUNS:-3}
PAGE_RUNS=${BENCH_PAGE_RUNS:-5}
TIMEOUT=${BENCH_TIMEOUT:-3600}
ADD_FIELDS=${BENCH_ADD:-country=DE}

BENCH_NAME=interactions-bench
. bench/common.sh

bench_start
bench_build
bench_load "$CONTACTS" "$SEED"
bench_admin
start_server
connect_psql
sign_in

APP_TIMES="$PRIVATE/app.times"
SQL_TIMES="$PRIVATE/sql.times"
: >"$APP_TIMES"
: >"$SQL_TIMES"
NOTES="$PRIVATE/notes"
: >"$NOTES"
note() { printf '%s\n' "$*" >>"$NOTES"; log "$*"; }

mapfile -d '' ADD_ARGS < <(field_args "$ADD_FIELDS")

# --- the data -----------------------------------------------------------------------------------
TOTAL=$(psql_value "SELECT count(*) FROM contacts")
ENTRIES=$(psql_value "SELECT count(*) FROM interaction_log_entries")
TODAY=$(psql_value "SELECT CURRENT_DATE")
YEAR_AGO=$(psql_value "SELECT CURRENT_DATE - 365")
CAMPAIGN=$(psql_value "SELECT campaign_no FROM interaction_log_entries
    WHERE campaign_response AND NOT canceled AND date >= CURRENT_DATE - 365 AND campaign_no IS NOT NULL
    GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1")
[[ -n "$CAMPAIGN" ]] || CAMPAIGN=$(psql_value "SELECT no FROM campaigns ORDER BY no DESC LIMIT 1")
[[ -n "$CAMPAIGN" ]] || { log "no campaign: load demo data with its history first"; exit 1; }
SALESPERSON=$(psql_value "SELECT code FROM salespeople WHERE NOT blocked ORDER BY code LIMIT 1")
TEMPLATE=$(psql_value "SELECT code FROM interaction_templates WHERE code = 'MAILING' UNION ALL
    (SELECT code FROM interaction_templates ORDER BY code) LIMIT 1")
log "contacts: $TOTAL, entries: $ENTRIES; campaign $CAMPAIGN, template $TEMPLATE, salesperson $SALESPERSON"

# A new segment through the header form: its No. (the redirect).
new_segment() {
    request POST /segments 60 \
        --data-urlencode "description=$1" --data-urlencode "date=$TODAY" \
        --data-urlencode "salesperson_code=$SALESPERSON" \
        --data-urlencode "interaction_template_code=$TEMPLATE" \
        --data-urlencode "campaign_no=$CAMPAIGN" --data-urlencode "campaign_target=true" \
        --data-urlencode "subject=" --data-urlencode "language_code=" \
        --data-urlencode "correspondence_type=" --data-urlencode "unit_cost=1.20" \
        --data-urlencode "unit_duration_min=5" --data-urlencode "information_flow=outbound" \
        --data-urlencode "initiated_by=us" >/dev/null
    last_location | sed -n 's|^/segments/\([^/?#]*\).*|\1|p'
}
active_lines() { psql_value "SELECT count(*) FROM segment_lines WHERE segment_id = $1 AND removed_by_step IS NULL"; }

# --- Log Segment, Cancel, Restore: app then SQL ------------------------------------------------
LINES=""
for round in $(seq 1 "$RUNS"); do
    NO=$(new_segment "Interactions benchmark round $round")
    [[ -n "$NO" ]] || { log "creating a segment failed"; head -n 1 "$PRIVATE/headers" >&2; exit 1; }
    request POST "/segments/$NO/add" 600 "${ADD_ARGS[@]}" >/dev/null
    SEGMENT_ID=$(psql_value "SELECT id FROM segments WHERE no = '$NO'")
    LINES=$(active_lines "$SEGMENT_ID")
    # The scratch segment: the same header and lines, made by SQL.
    SCRATCH_ID=$(psql_value "INSERT INTO segments (no, description, date, salesperson_code,
          interaction_template_code, campaign_no, campaign_target, unit_cost, unit_duration_min,
          correspondence_type, ignore_contact_correspondence_type, information_flow, initiated_by)
        SELECT 'BENCHSQL$$-$round', description || ' (SQL)', date, salesperson_code,
          interaction_template_code, campaign_no, campaign_target, unit_cost, unit_duration_min,
          correspondence_type, ignore_contact_correspondence_type, information_flow, initiated_by
        FROM segments WHERE id = $SEGMENT_ID RETURNING id" | head -n 1)
    psql_run -q -c "INSERT INTO segment_lines (segment_id, contact_id, added_by_step, company_name, company_no, is_person, contact_name)
        SELECT $SCRATCH_ID, contact_id, 1, company_name, company_no, is_person, contact_name FROM segment_lines
        WHERE segment_id = $SEGMENT_ID AND removed_by_step IS NULL" >/dev/null
    psql_run -q -c "VACUUM (ANALYZE) segment_lines" >/dev/null
    log "round $round: segment $NO with $LINES lines, scratch segment id $SCRATCH_ID"

    timed "check page" GET "/segments/$NO/log" 120
    timed "log" POST "/segments/$NO/log" 600
    written=$(psql_value "SELECT count(*) FROM interaction_log_entries WHERE segment_id = $SEGMENT_ID")
    status=$(psql_value "SELECT status FROM segments WHERE id = $SEGMENT_ID")
    log "round $round: log → $LAST_CODE in $LAST_SERVER ms: $written entries, segment $status"
    [[ "$written" == "$LINES" && "$status" == logged ]] || note "round $round: logging wrote $written entries for $LINES lines (status $status)"
    timed "card after log" GET "/campaigns/$CAMPAIGN" 120
    # While the count that the log started runs, the card shows the figures counted before,
    # marked as being counted again. The round goes on once that count is over, as an office
    # would (Cancel and Restore are measured on their own, not against that count).
    started=$(now)
    for _ in $(seq 1 600); do
        request GET "/campaigns/$CAMPAIGN" 60 >/dev/null
        grep -q 'being counted again' "$PRIVATE/body" || break
        sleep 0.1
    done
    log "round $round: the figures after the log counted $(since "$started") s after the card's first view"
    timed "cancel" POST "/segments/$NO/cancel" 600
    timed "restore" POST "/segments/$NO/restore" 600
    log "round $round: cancel and restore → $LAST_CODE ($(psql_value "SELECT status FROM segments WHERE id = $SEGMENT_ID"))"

    S=$SCRATCH_ID
    script="$PRIVATE/round.sql"
    {
        echo 'SET jit = off;'
        echo '\timing on'
        echo '\echo @@ check page'
        cat <<SQL
SELECT count(*), count(*) FILTER (WHERE COALESCE(l.salesperson_code, s.salesperson_code, c.salesperson_code) IS NULL),
       count(*) FILTER (WHERE sp.blocked), count(*) FILTER (WHERE COALESCE(l.interaction_template_code, s.interaction_template_code) IS NULL),
       count(*) FILTER (WHERE c.email = ''), COALESCE(sum(COALESCE(l.unit_cost, s.unit_cost)), 0),
       COALESCE(sum(COALESCE(l.unit_duration_min, s.unit_duration_min)), 0)
FROM segment_lines l JOIN segments s ON s.id = l.segment_id JOIN contacts c ON c.id = l.contact_id
LEFT JOIN salespeople sp ON sp.code = COALESCE(l.salesperson_code, s.salesperson_code, c.salesperson_code)
WHERE l.segment_id = $S AND l.removed_by_step IS NULL;
SQL
        echo '\echo @@ log'
        cat <<SQL
BEGIN;
INSERT INTO interaction_log_entries (contact_id, company_id, date, template_code, group_code, description,
  cost, duration_min, information_flow, initiated_by, salesperson_code, correspondence_type, campaign_no,
  campaign_target, segment_id, segment_no)
SELECT l.contact_id, c.company_key, s.date, t.code, t.group_code, s.description, s.unit_cost, s.unit_duration_min,
  s.information_flow, s.initiated_by, COALESCE(l.salesperson_code, s.salesperson_code, c.salesperson_code),
  CASE WHEN s.ignore_contact_correspondence_type OR c.correspondence_type = '' THEN s.correspondence_type ELSE c.correspondence_type END,
  s.campaign_no, s.campaign_target, s.id, s.no
FROM segment_lines l JOIN segments s ON s.id = l.segment_id JOIN contacts c ON c.id = l.contact_id
JOIN interaction_templates t ON t.code = s.interaction_template_code
WHERE l.segment_id = $S AND l.removed_by_step IS NULL;
INSERT INTO campaign_entries (campaign_no, segment_id, segment_no, date, description, entries)
SELECT campaign_no, id, no, date, description, $LINES FROM segments WHERE id = $S;
UPDATE segments SET status = 'logged', logged_at = now(), version = version + 1 WHERE id = $S;
COMMIT;
SQL
        echo '\echo @@ cancel'
        echo "BEGIN;"
        echo "UPDATE interaction_log_entries SET canceled = TRUE WHERE segment_no = 'BENCHSQL$$-$round' AND segment_id = $S AND NOT canceled;"
        echo "UPDATE campaign_entries SET canceled = TRUE WHERE segment_id = $S;"
        echo "UPDATE segments SET status = 'canceled', version = version + 1 WHERE id = $S;"
        echo "COMMIT;"
        echo '\echo @@ restore'
        echo "BEGIN;"
        echo "UPDATE interaction_log_entries SET canceled = FALSE WHERE segment_no = 'BENCHSQL$$-$round' AND segment_id = $S AND canceled;"
        echo "UPDATE campaign_entries SET canceled = FALSE WHERE segment_id = $S;"
        echo "UPDATE segments SET status = 'logged', version = version + 1 WHERE id = $S;"
        echo "COMMIT;"
    } >"$script"
    psql_run -At -f "$script" >"$PRIVATE/round.out"
    awk '
        /^@@ / { label = substr($0, 4); next }
        /^Time: / { t[label] += $2 }
        END { for (k in t) printf "%s\t%s\n", k, t[k] }' "$PRIVATE/round.out" >>"$SQL_TIMES"
    log "round $round: SQL done"
done

# --- the Interactions section ------------------------------------------------------------------
ADD_NO=$(new_segment "Interactions benchmark: responses")
# Read whole before looking: `curl … | grep -q` fails under pipefail when grep stops reading
# before curl has written the page.
ADD_PAGE=$(curl -s -b "$JAR" --max-time 60 "$BASE/segments/$ADD_NO/add" || true)
if [[ $ADD_PAGE == *'name="interaction_campaign_response"'* ]]; then
    RESPONSE_ARGS=(--data-urlencode "interaction_campaign_response=yes")
    RESPONSE_SQL="AND e.campaign_response"
    note "Interactions Add: campaign $CAMPAIGN, campaign response, date $YEAR_AGO.."
else
    RESPONSE_ARGS=()
    RESPONSE_SQL=""
    note "Interactions Add: campaign $CAMPAIGN, date $YEAR_AGO.. (the wizard has no \"campaign response\" field yet: every entry of the campaign counts)"
fi
INTERACTION_ARGS=(--data-urlencode "interaction_campaign=$CAMPAIGN" --data-urlencode "interaction_date=$YEAR_AGO.." "${RESPONSE_ARGS[@]}")
ADD_SEGMENT_ID=$(psql_value "SELECT id FROM segments WHERE no = '$ADD_NO'")
request GET "/segments/$ADD_NO/add" 60 "${INTERACTION_ARGS[@]}" --data-urlencode "preview=1" >/dev/null
for _ in $(seq 1 "$PAGE_RUNS"); do
    timed "interactions preview" GET "/segments/$ADD_NO/add" 60 "${INTERACTION_ARGS[@]}" --data-urlencode "preview=1"
done
INTERACTION_LINES=""
for _ in $(seq 1 "$PAGE_RUNS"); do
    timed "interactions add" POST "/segments/$ADD_NO/add" 600 "${INTERACTION_ARGS[@]}"
    INTERACTION_LINES=$(active_lines "$ADD_SEGMENT_ID")
    request POST "/segments/$ADD_NO/go-back" 600 >/dev/null
done
psql_run -At >"$PRIVATE/add.out" <<SQL
SET jit = off;
\timing on
$(for _ in $(seq 1 "$PAGE_RUNS"); do cat <<INNER
BEGIN;
INSERT INTO segment_lines (segment_id, contact_id, added_by_step, company_name, company_no, is_person, contact_name)
SELECT $ADD_SEGMENT_ID, c.id, 99, COALESCE(co.name, CASE WHEN c.type = 'company' THEN c.name ELSE '' END), COALESCE(co.no, CASE WHEN c.type = 'company' THEN c.no ELSE '' END), c.type = 'person', c.name
FROM contacts c LEFT JOIN contacts co ON co.id = c.company_id AND co.type = 'company'
WHERE NOT c.privacy_blocked AND NOT c.exclude_from_segment AND EXISTS (SELECT 1 FROM interaction_log_entries e
  WHERE e.contact_id = c.id AND NOT e.canceled AND e.campaign_no = '$CAMPAIGN' AND e.date >= '$YEAR_AGO' $RESPONSE_SQL);
ROLLBACK;
INNER
done)
SQL
awk '/^Time: / && prev ~ /^INSERT/ { print "interactions add\t" $2 } { prev = $0 }' "$PRIVATE/add.out" >>"$SQL_TIMES"
log "Interactions Add: $INTERACTION_LINES lines"

# --- pages -------------------------------------------------------------------------------------
page_runs() { # NAME PATH [curl args…]
    local name=$1 path=$2
    shift 2
    request GET "$path" 60 "$@" >/dev/null
    for _ in $(seq 1 "$PAGE_RUNS"); do timed "$name" GET "$path" 60 "$@"; done
}
page_runs "interactions first" "/interactions" --data-urlencode "campaign=$CAMPAIGN"
# The last page: the oldest entries, as the Previous link reads them (before a key older than all).
OLDEST=$(psql_value "SELECT (min(date) - 1)::text || ':0' FROM interaction_log_entries WHERE campaign_no = '$CAMPAIGN'")
page_runs "interactions last" "/interactions" --data-urlencode "campaign=$CAMPAIGN" --data-urlencode "before=$OLDEST"
code=$(request GET "/campaigns/$CAMPAIGN" 60 | cut -d' ' -f1)
if [[ $code == 200 ]]; then
    page_runs "campaign card" "/campaigns/$CAMPAIGN"
else
    note "campaign card: /campaigns/$CAMPAIGN answered $code (n/a)"
fi
# A contact card with 50 entries: the first person with a salesperson gets single calls up to 50.
CARD_ID=$(psql_value "SELECT e.contact_id FROM interaction_log_entries e JOIN contacts c ON c.id = e.contact_id
    WHERE c.type = 'person' AND c.salesperson_code IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1")
psql_run -q -c "INSERT INTO interaction_log_entries (contact_id, company_id, date, template_code, group_code,
      description, salesperson_code)
    SELECT c.id, c.company_key, CURRENT_DATE - i::int, 'CALL', 'PHONE', 'Sales call', c.salesperson_code
    FROM contacts c, generate_series(1, GREATEST(0, 50 - (SELECT count(*) FROM interaction_log_entries WHERE contact_id = $CARD_ID))) i
    WHERE c.id = $CARD_ID" >/dev/null
CARD_NO=$(psql_value "SELECT no FROM contacts WHERE id = $CARD_ID")
CARD_ENTRIES=$(psql_value "SELECT count(*) FROM interaction_log_entries WHERE contact_id = $CARD_ID")
page_runs "contact card" "/contacts/$CARD_NO"

# --- report ------------------------------------------------------------------------------------
app_stat() { awk -F'\t' -v n="$1" -v c="$2" '$1 == n && $c != "-" { print $c }' "$APP_TIMES" | "$3"; }
app_codes() { awk -F'\t' -v n="$1" '$1 == n { print $2 }' "$APP_TIMES" | sort -u | paste -sd/ -; }
sql_stat() { awk -F'\t' -v n="$1" '$1 == n { print $2 }' "$SQL_TIMES" | "$2"; }

echo
echo "Rapport interactions benchmark — $(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet HEAD -- src migrations templates 2>/dev/null || echo ' (with uncommitted changes)')"
if [[ "$CONTACTS" -gt 0 ]]; then
    echo "Loaded: $(thousands "$CONTACTS") contacts with their history (seed $SEED) in ${LOAD_OWN:--} s by demo-data's clock (${LOAD_SECONDS} s wall)"
fi
echo "Contacts: $(thousands "$TOTAL"); interaction log entries before the run: $(thousands "$ENTRIES")."
echo "Segment: $ADD_FIELDS, $(thousands "${LINES:-0}") lines; $RUNS rounds of check, log, cancel, restore (app, then SQL on a scratch segment)."
echo "Campaign $CAMPAIGN; contact card $CARD_NO with $CARD_ENTRIES entries; pages and the Interactions Add: $PAGE_RUNS runs after a warm-up."
cat "$NOTES"
echo "Times in ms: app = the Server-Timing header (the whole request, commit included), total = curl's;"
echo "SQL = psql's \\timing of the hand-written statements, commit included."
echo
printf '%-22s %-7s %10s %10s %10s %10s %7s  %-24s %s\n' "step" "status" "app med" "app max" "total med" "SQL med" "app/SQL" "goal" "met"
for name in "check page" "log" "card after log" "cancel" "restore" "interactions preview" "interactions add" "interactions first" "interactions last" "campaign card" "contact card"; do
    smed=$(app_stat "$name" 3 median)
    if [[ "$smed" == "-" ]] && ! grep -q "^$name	" "$APP_TIMES"; then
        printf '%-22s %-7s %10s\n' "$name" "n/a" "n/a"
        continue
    fi
    smax=$(app_stat "$name" 3 maximum)
    tmed=$(app_stat "$name" 4 median)
    qmed=$(sql_stat "$name" median)
    [[ -n "$qmed" && "$qmed" != "-" ]] && qmed=$(awk -v v="$qmed" 'BEGIN { printf "%.1f", v }') || qmed="-"
    ratio=$(awk -v a="$smed" -v b="$qmed" 'BEGIN { if (a != "-" && b != "-" && b > 0) printf "%.2f", a / b; else print "-" }')
    case $name in
        "check page"|"interactions preview") limit=500 ;;
        cancel|restore) limit=1000 ;;
        log|"interactions add") limit=3000 ;;
        *) limit=100 ;;
    esac
    case $name in
        log|"interactions add")
            goal="≤ 1.5 × SQL, ≤ $limit ms"
            met=$(awk -v a="$smed" -v r="$ratio" -v l="$limit" 'BEGIN { if (a == "-" || r == "-") print "?"; else if (a <= l && r <= 1.5) print "yes"; else if (a > l && r > 1.5) print "NO (both)"; else if (a > l) print "NO (time)"; else print "NO (1.5×)" }') ;;
        *)
            goal="≤ $limit ms"
            met=$(awk -v a="$smed" -v l="$limit" 'BEGIN { print (a != "-" && a <= l) ? "yes" : "NO" }') ;;
    esac
    printf '%-22s %-7s %10s %10s %10s %10s %7s  %-24s %s\n' "$name" "$(app_codes "$name")" "$smed" "$smax" "$tmed" "$qmed" "$ratio" "$goal" "$met"
done
