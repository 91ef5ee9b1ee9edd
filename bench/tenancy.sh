#!/usr/bin/env bash
# Provider-mode (multi-tenant) benchmark: resolver cost per request, heap of the resolver cache, provisioning.
#
# Usage: bench/tenancy.sh [--no-write]      (from any directory)
#   PROVISION_TENANTS=<n>  tenants provisioned per database and isolation mode (default 200; the issue asks about 1,000)
#   PROVISION_MODES="table database"  isolation modes to provision in (default both)
#   MARIADB_TENANTS / POSTGRES_TENANTS=<n>  override PROVISION_TENANTS for one database
#   HEAP_TENANTS=<n>       tenants cached for the heap figure (default 10000)
#   JMH_OPTS="<options>"   JMH options (default "-f 1 -wi 3 -i 5 -w 1s -r 1s -t 1")
#
# Contract
#   - Selects a JDK 25 via scripts/java25.sh; builds with `./mvnw -Pbench test-compile` (JMH and bench/src/java,
#     into target/bench/; never part of a measurement). No reference tool exists for this, so the table puts
#     the issue's targets next to the figures instead of ratios.
#   - Resolver: JMH ResolverBenchmark (-f 1 -wi 3 -i 5 -w 1s -r 1s, 1 thread), tenants = 10, 1,000, 10,000 rows
#     inserted straight into the control plane of a throwaway H2 database, App wired in provider mode, cache
#     warmed; `cached` resolves a random known host per op, `miss` empties the cache first (registry SELECT).
#   - Heap: TenantCacheHeap: used heap after full GCs with HEAP_TENANTS host names cached minus with none
#     (median of 3 rounds), per tenant.
#   - Provisioning: ProvisioningBench creates PROVISION_TENANTS tenants one by one through TenantRegistry.create
#     on a fresh MariaDB database and on a fresh PostgreSQL database on 127.0.0.1, once per isolation mode (table:
#     prefixed tables in the shared database; database: a database — PostgreSQL: a schema — per tenant), then
#     measures what it made (MariaDB: SUM(data_length + index_length) of the tables, tenant databases included;
#     PostgreSQL: pg_database_size).
#   - Provider mode needs Redis: a private redis-server on a free loopback port (no persistence) when the
#     binary exists, so cache-bus messages neither reach nor come from other apps on the shared 127.0.0.1:6379;
#     else that shared one.
#   - Prints a markdown table; unless --no-write, rewrites the block between `<!-- tenancy:begin -->` and
#     `<!-- tenancy:end -->` in bench/RESULTS.md (appending it if missing). Logs stay in bench/out/ (git-ignored).
#   - Every database it creates is dropped (also after a crash: the benchmarks log their names, the exit trap
#     drops them); the private Redis is stopped; temp dirs are removed.
#   - Exit status: 0 on success; 1 if a build, a benchmark or a prerequisite (JDK 25, MariaDB, PostgreSQL) fails.
set -euo pipefail

root=$(cd -- "$(dirname -- "$(readlink -f -- "${BASH_SOURCE[0]}")")/.." && pwd)
provision_tenants=${PROVISION_TENANTS:-200}
provision_modes=${PROVISION_MODES:-table database}
heap_tenants=${HEAP_TENANTS:-10000}
declare -A tenants_for=([mariadb]=${MARIADB_TENANTS:-$provision_tenants} [postgres]=${POSTGRES_TENANTS:-$provision_tenants})
jmh_opts=${JMH_OPTS:--f 1 -wi 3 -i 5 -w 1s -r 1s -t 1}
write=1
while [ $# -gt 0 ]; do
    case $1 in
        --no-write) write=0; shift ;;
        -h|--help) sed -n '2,8p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "tenancy.sh: unknown argument: $1" >&2; exit 2 ;;
    esac
done
[[ $provision_tenants =~ ^[1-9][0-9]*$ ]] || { echo "tenancy.sh: PROVISION_TENANTS must be a positive integer" >&2; exit 2; }
[[ $heap_tenants =~ ^[1-9][0-9]*$ ]] || { echo "tenancy.sh: HEAP_TENANTS must be a positive integer" >&2; exit 2; }
for v in mariadb postgres; do
    [[ ${tenants_for[$v]} =~ ^[1-9][0-9]*$ ]] || { echo "tenancy.sh: the tenant count for $v must be a positive integer" >&2; exit 2; }
done
for m in $provision_modes; do
    [[ $m == table || $m == database ]] || { echo "tenancy.sh: PROVISION_MODES holds table and/or database, got '$m'" >&2; exit 2; }
done

die() { echo "tenancy.sh: $*" >&2; exit 1; }

# shellcheck source=scripts/java25.sh
. "$root/scripts/java25.sh"

out_dir=$root/bench/out
mkdir -p "$out_dir"
work=$(mktemp -d "${TMPDIR:-/tmp}/tesela-tenancy.XXXXXX")
db_log=$work/databases.txt
: >"$db_log"
redis_pid=""
started=$SECONDS

drop_databases() {
    local kind name
    while read -r kind name; do
        [[ $name =~ ^[a-z0-9_]+$ ]] || continue
        case $kind in
            mariadb) mysql -h 127.0.0.1 -P 3306 -u root -e "DROP DATABASE IF EXISTS $name" >/dev/null 2>&1 \
                || echo "tenancy.sh: warning: could not drop MariaDB database $name" >&2 ;;
            postgres) psql -h 127.0.0.1 -p 5432 -U postgres -d postgres -qc "DROP DATABASE IF EXISTS $name WITH (FORCE)" >/dev/null 2>&1 \
                || echo "tenancy.sh: warning: could not drop PostgreSQL database $name" >&2 ;;
        esac
    done <"$db_log"
}
cleanup() {
    drop_databases
    if [ -n "$redis_pid" ]; then
        kill -TERM "$redis_pid" 2>/dev/null || true
        wait "$redis_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------------------------------------
# Build (not measured)
echo "Building with -Pbench (not part of the measurement)..." >&2
cp_file=$root/target/bench/classpath.txt
(cd "$root" && ./mvnw -B -q -Pbench test-compile dependency:build-classpath \
    -Dmdep.outputFile="$cp_file" -Dmdep.includeScope=test) >"$out_dir/tenancy-build.log" 2>&1 \
    || { tail -n 40 "$out_dir/tenancy-build.log" >&2; die "build failed; log: $out_dir/tenancy-build.log"; }
cp="$root/target/bench/test-classes:$root/target/bench/classes:$(cat "$cp_file")"
java_opts=(--enable-native-access=ALL-UNNAMED -Xshare:auto)

# ---------------------------------------------------------------------------------------------
# Redis for provider mode
redis_note="shared 127.0.0.1:6379"
redis_url=redis://127.0.0.1:6379
if command -v redis-server >/dev/null; then
    for ((i = 0; i < 50; i++)); do
        port=$((20000 + RANDOM % 30000))
        (: <"/dev/tcp/127.0.0.1/$port") 2>/dev/null && continue
        redis-server --bind 127.0.0.1 --port "$port" --save '' --appendonly no --protected-mode yes \
            >"$out_dir/tenancy-redis.log" 2>&1 </dev/null &
        redis_pid=$!
        for ((j = 0; j < 50; j++)); do
            (: <"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
            sleep 0.1
        done
        if kill -0 "$redis_pid" 2>/dev/null && (: <"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            redis_url=redis://127.0.0.1:$port
            redis_note="private redis-server on 127.0.0.1:$port"
            break
        fi
        kill "$redis_pid" 2>/dev/null || true
        wait "$redis_pid" 2>/dev/null || true
        redis_pid=""
    done
fi
export TESELA_BENCH_REDIS_URL=$redis_url TESELA_BENCH_DB_LOG=$db_log

# result KEY FILE: the value of KEY= on the RESULT line of FILE.
result() { awk -v k="$2" '/^RESULT / { for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == k) print kv[2] } }' "$1" | tail -n 1; }

# ---------------------------------------------------------------------------------------------
# 1. Resolver (JMH)
echo "Resolver benchmark (JMH)..." >&2
jmh_csv=$work/jmh.csv
"$JAVA_HOME/bin/java" "${java_opts[@]}" -cp "$cp" org.openjdk.jmh.Main 'dev\.tesela\.bench\.ResolverBenchmark\.' \
    $jmh_opts -jvmArgsAppend "${java_opts[*]}" -rf csv -rff "$jmh_csv" \
    >"$out_dir/tenancy-jmh.log" 2>&1 || { tail -n 40 "$out_dir/tenancy-jmh.log" >&2; die "JMH failed; log: $out_dir/tenancy-jmh.log"; }
cache_warnings=$(grep -c '^WARNING: resolver cache held' "$out_dir/tenancy-jmh.log" || true)

# jmh METHOD TENANTS: "score ± error" in ns/op.
jmh() {
    awk -F, -v m="$1" -v t="$2" '{ gsub(/"/, "") } $1 ~ ("\\." m "$") && $8 == t { printf "%.1f ± %.1f", $5, $6 }' "$jmh_csv"
}
jmh_us() {
    awk -F, -v m="$1" -v t="$2" '{ gsub(/"/, "") } $1 ~ ("\\." m "$") && $8 == t { printf "%.1f ± %.1f", $5 / 1000, $6 / 1000 }' "$jmh_csv"
}
[ -n "$(jmh cached 10)" ] || die "no JMH result in $jmh_csv; log: $out_dir/tenancy-jmh.log"

# ---------------------------------------------------------------------------------------------
# 2. Heap of the resolver cache
echo "Heap of $heap_tenants cached tenants..." >&2
heap_log=$out_dir/tenancy-heap.log
"$JAVA_HOME/bin/java" "${java_opts[@]}" -Xmx1g -cp "$cp" dev.tesela.bench.TenantCacheHeap "$heap_tenants" >"$heap_log" 2>&1 \
    || { tail -n 40 "$heap_log" >&2; die "heap measurement failed; log: $heap_log"; }
heap_per=$(result "$heap_log" bytes_per_tenant)
heap_total=$(result "$heap_log" total_bytes)

# ---------------------------------------------------------------------------------------------
# 3. Provisioning
declare -A prov_log
for mode in $provision_modes; do
    for vendor in mariadb postgres; do
        echo "Provisioning ${tenants_for[$vendor]} tenants on $vendor, $mode isolation..." >&2
        log=$out_dir/tenancy-provision-$vendor-$mode.log
        "$JAVA_HOME/bin/java" "${java_opts[@]}" -cp "$cp" dev.tesela.bench.ProvisioningBench "$vendor" "${tenants_for[$vendor]}" "$mode" >"$log" 2>&1 \
            || { tail -n 40 "$log" >&2; die "provisioning on $vendor ($mode) failed; log: $log"; }
        prov_log[$vendor-$mode]=$log
        drop_databases
        : >"$db_log"
    done
done

# ---------------------------------------------------------------------------------------------
# Report
java_desc=$(awk -F'"' '/^IMPLEMENTOR=/ { i = $2 } /^JAVA_RUNTIME_VERSION=/ { v = $2 } END { print i " " v }' "$JAVA_HOME/release" 2>/dev/null || true)
[ -n "${java_desc// /}" ] || java_desc=$JAVA_HOME
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
load=$(cut -d' ' -f1-3 /proc/loadavg)
mariadb_version=$(mysql -h 127.0.0.1 -u root -Nse 'SELECT VERSION()' 2>/dev/null || echo '?')
postgres_version=$(psql -h 127.0.0.1 -U postgres -d postgres -Atc 'SHOW server_version' 2>/dev/null || echo '?')
thousands() { printf '%s' "$1" | sed -e ':a' -e 's/\([0-9]\)\([0-9]\{3\}\)\($\|,\)/\1,\2\3/' -e 'ta'; }
mib() { awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }
kib() { awk -v b="$1" 'BEGIN { printf "%.0f KiB", b / 1024 }'; }
elapsed=$((SECONDS - started))

report=$work/report.md
{
    printf '## Provider mode: resolver, resolver cache heap, provisioning\n\n'
    printf -- '- Date: %s\n' "$(date -u '+%Y-%m-%d %H:%M UTC')"
    printf -- '- Machine: %s cores (%s), shared with other work; load average at the end %s\n' "$(nproc)" "${cpu:-unknown CPU}" "$load"
    printf -- '- JDK: %s; JMH 1.37, `%s`, figures are mean ± 99.9 %% error\n' "$java_desc" "$jmh_opts"
    printf -- '- Databases: MariaDB %s, PostgreSQL %s, embedded H2 for the resolver; Redis: %s\n' "$mariadb_version" "$postgres_version" "$redis_note"
    printf -- '- No reference tool for these: the issue'"'"'s targets stand next to the figures. Whole run: %d s (build included)\n\n' "$elapsed"
    printf '| Measurement | Figure | Target |\n'
    printf '|---|---|---|\n'
    for t in 10 1000 10000; do
        printf '| Resolver, cached host, %s tenants | %s ns/op | < 1 µs (1,000 ns) |\n' "$(thousands "$t")" "$(jmh cached "$t")"
    done
    for t in 10 1000 10000; do
        printf '| Resolver, cache miss (registry SELECT on H2), %s tenants | %s µs/op | — (once a minute per host) |\n' \
            "$(thousands "$t")" "$(jmh_us miss "$t")"
    done
    printf '| Heap of the resolver cache, %s tenants cached | %s B per tenant (%s in all) | — (measure) |\n' \
        "$(thousands "$heap_tenants")" "$heap_per" "$(mib "$heap_total")"
    for mode in $provision_modes; do
        for vendor in mariadb postgres; do
            log=${prov_log[$vendor-$mode]}
            name=MariaDB; [ "$vendor" = postgres ] && name=PostgreSQL
            target='< 1 s per tenant'; [ "$mode" = database ] && target='— (measure; the target is for table mode)'
            printf '| Provisioning, %s, %s isolation, %s tenants one by one | median %s ms, p95 %s ms, max %s ms (first 10 %%: %s ms, last 10 %%: %s ms; %s s in all) | %s |\n' \
                "$name" "$mode" "$(thousands "$(result "$log" n)")" "$(result "$log" median_ms)" "$(result "$log" p95_ms)" "$(result "$log" max_ms)" \
                "$(result "$log" first10_ms)" "$(result "$log" last10_ms)" "$(result "$log" total_s)" "$target"
            printf '| Size after, %s, %s isolation (%s) | %s, %s tables; %s per tenant | — (measure) |\n' "$name" "$mode" \
                "$([ "$vendor" = postgres ] && echo 'pg_database_size' || echo 'data_length + index_length')" \
                "$(mib "$(result "$log" db_bytes)")" "$(result "$log" tables)" "$(kib "$(result "$log" bytes_per_tenant)")"
        done
    done
    printf '\nPer-tenant size = (size after − size of the control plane alone) / tenants. '
    printf 'Each provisioning figure is one TenantRegistry.create: checks, Flyway migration of the tenant schema, registry row, cache bus message. '
    printf 'The machine has 2 shared cores with other work on them, so every figure is noisy (±30-50 %%).\n'
    if [ "${cache_warnings:-0}" -gt 0 ]; then
        printf '\nWarning: in %s JMH iterations the resolver cache was emptied during the iteration; those cached figures include misses.\n' "$cache_warnings"
    fi
} >"$report"

echo
cat "$report"

if [ "$write" -eq 1 ]; then
    # shellcheck source=bench/results.sh
    . "$root/bench/results.sh"
    write_results_block tenancy "$report" bench/tenancy.sh "$work"
fi
