#!/usr/bin/env bash
# Soak: one `tesela serve` on MariaDB or PostgreSQL + Redis under a steady mixed load at about half of its measured
# capacity for DURATION seconds; errors must be 0, latency and heap after GC must stay flat.
#
# Usage: bench/soak.sh [--no-write]      (from any directory)
#   DURATION=<s> length of the soak (default 600)   DB=mariadb|postgres (default mariadb)
#   WINDOW=<s> reporting and heap-sampling interval (default 60)   CALIBRATE=<s> capacity measurement (default 20)
#   RATE=<requests/s> skip the calibration and use this rate
#
# Contract
#   - Prerequisites: JDK 25 (scripts/java25.sh), curl, jcmd (the JDK's), redis-server, and the client of the chosen
#     database (`mariadb` for MariaDB as root on 127.0.0.1:3306, `psql` for PostgreSQL as postgres on
#     127.0.0.1:5432: the shared servers, which are never stopped or reconfigured). Exit 1 when one is missing,
#     Tesela exits early, or any request of the soak was not answered 200.
#   - Set-up (not measured): a throwaway database tesela_soak_<random> on that server (dropped on exit), a private
#     redis-server on a free loopback port (no persistence; stopped on exit), target/tesela.jar built when stale,
#     then bench/tesela-server.sh's `tesela_start`: fresh data dir, admin, API key, `./tesela serve` on
#     127.0.0.1:<free port> with TESELA_DB_URL/TESELA_REDIS_URL pointing at them (pool and workers: the defaults).
#   - Load: bench/src/java/dev/tesela/bench/SoakLoad.java (JDK only, compiled with javac into the temp dir): 1 in 10
#     requests an API v1 upload of a new 320x240 PNG, 3 in 10 a viewer page, 6 in 10 a stored file (original,
#     thumb or medium of 20 seed images). Capacity: closed loop with 8 in flight for CALIBRATE s; the soak then runs
#     open loop at half of it (or RATE) for DURATION s, at most 256 requests in flight.
#   - Every WINDOW s: the load tool's requests, errors and p50/p95/p99/max latency of that window, and Tesela's heap
#     after a full GC (`jcmd PID GC.run`, then the used heap of `jcmd PID GC.heap_info`; the forced GC is part of
#     the load the soak measures), plus its RSS.
#   - Prints a markdown table and, unless --no-write, rewrites the block `soak` of bench/RESULTS.md. Server log and
#     load output stay in bench/out/ (git-ignored). Everything it starts is stopped on exit. With the defaults the
#     whole run takes about 12 minutes.
set -euo pipefail

root=$(cd -- "$(dirname -- "$(readlink -f -- "${BASH_SOURCE[0]}")")/.." && pwd)
duration=${DURATION:-600}
db=${DB:-mariadb}
window=${WINDOW:-60}
calibrate=${CALIBRATE:-20}
rate=${RATE:-}
write=1
while [ $# -gt 0 ]; do
    case $1 in
        --no-write) write=0; shift ;;
        -h|--help) sed -n '2,8p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "soak.sh: unknown argument: $1" >&2; exit 2 ;;
    esac
done
for v in duration window calibrate; do
    [[ ${!v} =~ ^[1-9][0-9]*$ ]] || { echo "soak.sh: ${v^^} must be a positive integer" >&2; exit 2; }
done
[ -z "$rate" ] || [[ $rate =~ ^[0-9]+(\.[0-9]+)?$ ]] || { echo "soak.sh: RATE must be a number" >&2; exit 2; }
case $db in mariadb|postgres) ;; *) echo "soak.sh: DB must be mariadb or postgres" >&2; exit 2 ;; esac

die() { echo "soak.sh: $*" >&2; exit 1; }
for tool in curl redis-server; do command -v "$tool" >/dev/null || die "$tool is required"; done
[ "$db" = mariadb ] && { command -v mariadb >/dev/null || die "the mariadb client is required"; }
[ "$db" = postgres ] && { command -v psql >/dev/null || die "psql is required"; }

# shellcheck source=scripts/java25.sh
. "$root/scripts/java25.sh"
[ -x "$JAVA_HOME/bin/jcmd" ] || die "jcmd is required (part of the JDK)"

out_dir=$root/bench/out
mkdir -p "$out_dir"
work=$(mktemp -d "${TMPDIR:-/tmp}/tesela-soak.XXXXXX")
pids=()
dbname=tesela_soak_$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')
db_created=0
# shellcheck source=bench/tesela-server.sh
. "$root/bench/tesela-server.sh"

sql() {
    if [ "$db" = mariadb ]; then
        mariadb -h 127.0.0.1 -P 3306 -u root -e "$1"
    else
        psql -h 127.0.0.1 -p 5432 -U postgres -d postgres -q -c "$1"
    fi
}
cleanup() {
    local pid
    for pid in "${pids[@]}"; do stop_pid "$pid"; done
    if [ "$db_created" -eq 1 ]; then
        if [ "$db" = mariadb ]; then sql "DROP DATABASE IF EXISTS $dbname" || true
        else sql "DROP DATABASE IF EXISTS $dbname WITH (FORCE)" || true; fi
    fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

started=$SECONDS
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
build_tesela_if_stale
mkdir -p "$work/classes"
"$JAVA_HOME/bin/javac" -d "$work/classes" "$root/bench/src/java/dev/tesela/bench/SoakLoad.java" || die "javac SoakLoad failed"

if [ "$db" = mariadb ]; then
    sql "CREATE DATABASE $dbname CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci" || die "cannot create $dbname on MariaDB"
    db_env=(TESELA_DB_URL="jdbc:mariadb://127.0.0.1:3306/$dbname" TESELA_DB_USER=root)
else
    sql "CREATE DATABASE $dbname" || die "cannot create $dbname on PostgreSQL"
    db_env=(TESELA_DB_URL="jdbc:postgresql://127.0.0.1:5432/$dbname" TESELA_DB_USER=postgres)
fi
db_created=1

redis_port=$(free_port)
redis-server --bind 127.0.0.1 --port "$redis_port" --save '' --appendonly no >"$out_dir/soak-redis.log" 2>&1 &
pids+=("$!")
for ((i = 0; i < 100; i++)); do
    [ "$(redis-cli -p "$redis_port" ping 2>/dev/null)" = PONG ] && break
    sleep 0.05
done
[ "$(redis-cli -p "$redis_port" ping 2>/dev/null)" = PONG ] || die "redis-server did not start; see $out_dir/soak-redis.log"

echo "Starting Tesela on $db + Redis..." >&2
tesela_log=$out_dir/soak-tesela.log
tesela_extra_env=("${db_env[@]}" TESELA_REDIS_URL="redis://127.0.0.1:$redis_port")
tesela_start "$tesela_log"

load_java() { "$JAVA_HOME/bin/java" -cp "$work/classes" dev.tesela.bench.SoakLoad "$tesela_base" "$tesela_key" "$@"; }
if [ -z "$rate" ]; then
    echo "Measuring capacity for ${calibrate} s (8 in flight)..." >&2
    load_java 0 "$calibrate" "$calibrate" >"$out_dir/soak-calibration.txt" 2>&1 \
        || { cat "$out_dir/soak-calibration.txt" >&2; die "the calibration had errors"; }
    capacity=$(sed -n 's/^CAPACITY per_second=\([0-9.]*\).*/\1/p' "$out_dir/soak-calibration.txt")
    [ -n "$capacity" ] || die "no CAPACITY line in $out_dir/soak-calibration.txt"
    rate=$(awk -v c="$capacity" 'BEGIN { printf "%.1f", c / 2 }')
fi
echo "Soak: $rate requests/s for ${duration} s, a line every ${window} s..." >&2

heap_mib() {
    "$JAVA_HOME/bin/jcmd" "$tesela_pid" GC.run >/dev/null 2>&1 || true
    "$JAVA_HOME/bin/jcmd" "$tesela_pid" GC.heap_info 2>/dev/null \
        | awk '/ heap +total/ { for (i = 1; i <= NF; i++) if ($i == "used") { v = $(i + 1); sub(/K,?/, "", v); printf "%.0f", v / 1024; exit } }'
}
heap_before=$(heap_mib)
load_out=$out_dir/soak-load.txt
load_java "$rate" "$duration" "$window" >"$load_out" 2>"$out_dir/soak-load-errors.txt" &
load_pid=$!
pids+=("$load_pid")
heaps=()
rss=()
t=0
while [ "$t" -lt "$duration" ]; do
    sleep "$window"
    t=$((t + window))
    kill -0 "$tesela_pid" 2>/dev/null || die "Tesela died; log: $tesela_log"
    heaps+=("$(heap_mib)")
    rss+=("$(awk -v k="$(rss_kb "$tesela_pid")" 'BEGIN { printf "%.0f", k / 1024 }')")
    echo "  t=${t}s heap after GC ${heaps[-1]} MiB, RSS ${rss[-1]} MiB" >&2
done
load_status=0
wait "$load_pid" || load_status=$?
grep -q '^RESULT ' "$load_out" || { cat "$out_dir/soak-load-errors.txt" >&2; die "no RESULT line in $load_out"; }
kv() { awk -v k="$2" '{ for (i = 1; i <= NF; i++) { split($i, a, "="); if (a[1] == k) print a[2] } }' <<<"$1"; }
result=$(grep '^RESULT ' "$load_out" | tail -n 1)

java_desc=$(awk -F'"' '/^IMPLEMENTOR=/ { i = $2 } /^JAVA_RUNTIME_VERSION=/ { v = $2 } END { print i " " v }' "$JAVA_HOME/release" 2>/dev/null || true)
engine=$(sed -n 's/.*, images: \(.*\)), started in .*/\1)/p' "$tesela_log" | head -n 1)
report=$work/report.md
{
    printf '## Soak: %s s of mixed load on %s + Redis at about half of the capacity\n\n' "$duration" "$db"
    printf -- '- Date: %s; whole run %d s; machine: %s cores shared with other work, load average %s at the start, %s at the end\n' \
        "$(date -u '+%Y-%m-%d %H:%M UTC')" "$((SECONDS - started))" "$(nproc)" "$load_start" "$(cut -d' ' -f1-3 /proc/loadavg)"
    printf -- '- JDK: %s; TESELA_JAVA_OPTS: `%s`; image engine %s; pool and image workers: the defaults\n' \
        "$java_desc" "${TESELA_JAVA_OPTS-the launcher default}" "${engine:-?}"
    printf -- '- Capacity (closed loop, 8 in flight, %s s): %s requests/s; soak rate %s requests/s (open loop); mix: 1 upload (new 320x240 PNG), 3 viewer pages, 6 file reads in 10\n' \
        "$calibrate" "${capacity:-not measured (RATE given)}" "$rate"
    printf -- '- Whole soak: %s requests, **%s errors**, p50 %s ms, p95 %s ms, p99 %s ms, max %s ms; %s uploads; heap after GC %s MiB before the load\n\n' \
        "$(kv "$result" requests)" "$(kv "$result" errors)" "$(kv "$result" p50_ms)" "$(kv "$result" p95_ms)" "$(kv "$result" p99_ms)" \
        "$(kv "$result" max_ms)" "$(kv "$result" uploads)" "${heap_before:-?}"
    printf '| Window end | Requests | Errors | p50 | p95 | p99 | max | Heap after GC | RSS |\n'
    printf '|---|---|---|---|---|---|---|---|---|\n'
    i=0
    while read -r line; do
        printf '| %s s | %s | %s | %s ms | %s ms | %s ms | %s ms | %s MiB | %s MiB |\n' "$(kv "$line" t)" "$(kv "$line" requests)" \
            "$(kv "$line" errors)" "$(kv "$line" p50_ms)" "$(kv "$line" p95_ms)" "$(kv "$line" p99_ms)" "$(kv "$line" max_ms)" \
            "${heaps[$i]:-?}" "${rss[$i]:-?}"
        i=$((i + 1))
    done < <(grep '^WINDOW ' "$load_out")
} >"$report"

echo
cat "$report"
if [ "$write" -eq 1 ]; then
    # shellcheck source=bench/results.sh
    . "$root/bench/results.sh"
    write_results_block soak "$report" bench/soak.sh "$work"
fi
[ "$load_status" -eq 0 ] || { head -n 5 "$out_dir/soak-load-errors.txt" >&2; die "the soak had errors (see above)"; }
