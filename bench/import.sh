#!/usr/bin/env bash
# Import benchmark: exports demo contacts as CSV, empties the contact tables, imports the file
# back through the import page, and reports the server's peak memory (VmHWM) and the times.
#
#   bench/import.sh                        # 1,000,000 contacts in a throwaway cluster
#   BENCH_CONTACTS=100000 bench/import.sh  # a smaller file
#   BENCH_NUMBERS=0 bench/import.sh        # a file without numbers, beside the contacts
#
# Settings (environment):
#   BENCH_CONTACTS   demo contacts to load, export and import again (default 1000000)
#   BENCH_SEED       demo-data seed (default 1)
#   BENCH_NUMBERS    1: the file keeps its numbers and is imported into emptied contact tables
#                    (default); 0: the No. column is left out and the file imported beside the
#                    contacts it came from, as new contacts numbered from the series (its
#                    persons then belong to the companies already there)
#   BENCH_TIMEOUT    seconds after which the whole run is stopped (default 3600)
#   RAPPORT_BIN      the rapport binary to measure (default: target/release/rapport, built first)
#
# Everything runs on this machine: a private PostgreSQL cluster in a new temp directory (removed
# at the end), the server on 127.0.0.1 only, curl talking to nothing else. Everything started
# here is stopped at the end, also on Ctrl-C or timeout.

set -euo pipefail

cd "$(dirname "$0")/.."

CONTACTS=${BENCH_CONTACTS:-1000000}
SEED=${BENCH_SEED:-1}
TIMEOUT=${BENCH_TIMEOUT:-3600}
NUMBERS=${BENCH_NUMBERS:-1}

BENCH_NAME=import-bench
# Always a private cluster in the temp folder: the contact tables are emptied below.
BENCH_OWN_CLUSTER=1
. bench/common.sh
SAMPLER_PID=""
bench_before_exit() { [[ -n "$SAMPLER_PID" ]] && kill "$SAMPLER_PID" 2>/dev/null || true; }

bench_start
bench_build
bench_load "$CONTACTS" "$SEED" >/dev/null
bench_admin

# A server with a fresh session (a new cookie jar) signed in.
start_signed_in() {
    start_server
    rm -f "$PRIVATE/cookies"
    TOKEN_PAGE=/contacts/import sign_in
}

# --- export -------------------------------------------------------------------------------------
start_signed_in
log "exporting the contacts"
t=$(now)
curl -sf -b "$JAR" --max-time 1200 -o "$WORK/contacts.csv" "$BASE/contacts/export.csv"
EXPORT_S=$(since "$t")
FILE_BYTES=$(stat -c %s "$WORK/contacts.csv")
FILE_ROWS=$(($(wc -l <"$WORK/contacts.csv") - 1))
log "exported $FILE_ROWS rows, $FILE_BYTES bytes, in $EXPORT_S s"

if [[ $NUMBERS == 0 ]]; then
    # The first column is the No. (no commas in it): numbered from the series instead.
    sed 's/^[^,]*,//' "$WORK/contacts.csv" >"$WORK/without-numbers.csv"
    mv "$WORK/without-numbers.csv" "$WORK/contacts.csv"
    FILE_BYTES=$(stat -c %s "$WORK/contacts.csv")
    log "the No. column left out: $FILE_BYTES bytes, imported beside the contacts"
else
    # Empty the contact tables (the codes stay), so the file's numbers are new again, and
    # give the database another id: the file is imported as into a new installation (into the
    # database it was exported from, its rows' contacts would be "deleted since the export").
    psql -q -X -v ON_ERROR_STOP=1 "postgresql://rapport@localhost/rapport?host=$RAPPORT_DATA_DIR/run" <<'SQL'
TRUNCATE contacts, contact_industry_groups, contact_business_relations, contact_mailing_groups,
         contact_job_responsibilities, contact_profile_answers, segment_lines,
         interaction_log_entries CASCADE;
UPDATE number_series SET next_number = 1 WHERE code = 'CONTACT';
UPDATE code_list_version SET database = gen_random_uuid()::text;
SQL
fi
stop_server

# --- import -------------------------------------------------------------------------------------
# A fresh server, so that its peak memory is the import's.
start_signed_in
HWM_BEFORE=$(proc_kib "$SERVER_PID" VmHWM)
RSS_BEFORE=$(proc_kib "$SERVER_PID" VmRSS)
# RSS every half second, to see it stay flat (or not).
( while kill -0 "$SERVER_PID" 2>/dev/null; do proc_kib "$SERVER_PID" VmRSS; sleep 0.5; done ) >"$PRIVATE/rss" &
SAMPLER_PID=$!
log "uploading the file"
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
