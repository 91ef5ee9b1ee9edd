#!/usr/bin/env bash
# Blob store throughput on loopback: put and get of 50 KB and 2 MB objects through S3BlobStore against S3Proxy,
# next to LocalBlobStore on this disk and to curl (--aws-sigv4) sending the same requests to the same S3Proxy.
#
# Usage: bench/storage.sh [--no-write]      (from any directory)
#   SMALL_COUNT=<n> 50 KB objects per run (default 300)   LARGE_COUNT=<n> 2 MB objects per run (default 40)
#   LEVELS="<c> ..." concurrency levels (default "1 4")
#
# Contract
#   - Prerequisites: JDK 25 (scripts/java25.sh), curl >= 7.75 (--aws-sigv4). Builds target/tesela.jar when stale
#     (./tesela version; not measured) and fetches S3Proxy into target/s3proxy/s3proxy.jar when missing
#     (`./mvnw dependency:copy@copy-s3proxy`). Exit 1 when something is missing, S3Proxy does not start, or any request
#     of the reference fails.
#   - S3Proxy 4.1.0 runs as its own JVM (default JIT, -Xmx512m) on 127.0.0.1:<free port>, filesystem backend in a
#     temp dir, signatures checked (aws-v2-or-v4); one bucket. LocalBlobStore writes into a temp dir on the same disk.
#   - Load: bench/src/java/dev/tesela/bench/StorageLoad.java (compiled with javac against the jar), one JVM per store
#     running every size and level after an unmeasured warm-up (400 puts and gets of 50 KB: its JIT and S3Proxy's);
#     per row distinct random source files written before the clock starts, then COUNT putNew (S3: HEAD + PUT
#     If-None-Match) with LEVEL calls in flight, then COUNT open + read to the end. Ops/s = COUNT / wall time; MB/s of
#     payload; median latency.
#   - Reference: curl, one process per size and level, `--aws-sigv4` with `x-amz-content-sha256: UNSIGNED-PAYLOAD`,
#     one PUT per object (no HEAD, no condition) then one GET per object to /dev/null, `--parallel --parallel-max
#     LEVEL` above 1; its connection reuse is curl's. Every answer must be 200.
#   - Prints a markdown table and, unless --no-write, rewrites the block `storage` of bench/RESULTS.md. S3Proxy's log
#     stays in bench/out/. S3Proxy is stopped and temp dirs removed on exit. Takes about 1-2 minutes.
set -euo pipefail

root=$(cd -- "$(dirname -- "$(readlink -f -- "${BASH_SOURCE[0]}")")/.." && pwd)
small_count=${SMALL_COUNT:-300}
large_count=${LARGE_COUNT:-40}
levels=${LEVELS:-1 4}
write=1
while [ $# -gt 0 ]; do
    case $1 in
        --no-write) write=0; shift ;;
        -h|--help) sed -n '2,7p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "storage.sh: unknown argument: $1" >&2; exit 2 ;;
    esac
done
for v in small_count large_count; do
    [[ ${!v} =~ ^[1-9][0-9]*$ ]] || { echo "storage.sh: ${v^^} must be a positive integer" >&2; exit 2; }
done
for c in $levels; do [[ $c =~ ^[1-9][0-9]*$ ]] || { echo "storage.sh: LEVELS must be positive integers" >&2; exit 2; }; done

die() { echo "storage.sh: $*" >&2; exit 1; }
command -v curl >/dev/null || die "curl is required"
curl --help all 2>/dev/null | grep -q -- --aws-sigv4 || die "curl with --aws-sigv4 (7.75+) is required"

# shellcheck source=scripts/java25.sh
. "$root/scripts/java25.sh"

out_dir=$root/bench/out
mkdir -p "$out_dir"
work=$(mktemp -d "${TMPDIR:-/tmp}/tesela-storage.XXXXXX")
pids=()
# shellcheck source=bench/tesela-server.sh
. "$root/bench/tesela-server.sh"

cleanup() {
    local pid
    for pid in "${pids[@]}"; do stop_pid "$pid"; done
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

started=$SECONDS
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
build_tesela_if_stale
s3proxy_jar=$root/target/s3proxy/s3proxy.jar
if [ ! -f "$s3proxy_jar" ]; then
    (cd "$root" && ./mvnw -B -q dependency:copy@copy-s3proxy) >&2 || die "could not fetch S3Proxy"
fi
classpath="$root/target/tesela.jar:$root/target/lib/*"
mkdir -p "$work/classes"
"$JAVA_HOME/bin/javac" -cp "$classpath" -d "$work/classes" "$root/bench/src/java/dev/tesela/bench/StorageLoad.java" \
    || die "javac StorageLoad failed"

# ---------------------------------------------------------------------------------------------
# S3Proxy
access=bench-access
secret=bench-secret-$RANDOM$RANDOM
bucket=bench
port=$(free_port)
endpoint=http://127.0.0.1:$port
mkdir -p "$work/s3data"
cat >"$work/s3proxy.conf" <<CONF
s3proxy.endpoint=$endpoint
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=$access
s3proxy.credential=$secret
jclouds.provider=filesystem
jclouds.filesystem.basedir=$work/s3data
jclouds.identity=$access
jclouds.credential=$secret
CONF
echo "Starting S3Proxy on $endpoint..." >&2
"$JAVA_HOME/bin/java" -Xmx512m -jar "$s3proxy_jar" --properties "$work/s3proxy.conf" >"$out_dir/storage-s3proxy.log" 2>&1 &
s3proxy_pid=$!
pids+=("$s3proxy_pid")
for ((i = 0; i < 600; i++)); do
    curl -s -o /dev/null "$endpoint/" && break
    kill -0 "$s3proxy_pid" 2>/dev/null || die "S3Proxy exited; see bench/out/storage-s3proxy.log"
    sleep 0.1
done
curl -s -o /dev/null "$endpoint/" || die "S3Proxy did not answer within 60 s"
empty_sha=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
sig=(--aws-sigv4 "aws:amz:us-east-1:s3" --user "$access:$secret")
code=$(curl -s -o /dev/null -w '%{http_code}' "${sig[@]}" -H "x-amz-content-sha256: $empty_sha" -X PUT "$endpoint/$bucket")
[ "$code" = 200 ] || die "could not create bucket $bucket (HTTP $code)"

# result FILE KEY OP SIZE LEVEL: the value of KEY in FILE's RESULT line for OP, SIZE and LEVEL
result() {
    awk -v k="$2" -v want="op=$3 size=$4 level=$5" '/^RESULT / && index($0, "RESULT " want " ") == 1 {
        for (i = 5; i <= NF; i++) { split($i, kv, "="); if (kv[1] == k) print kv[2] } }' "$1" | tail -n 1
}
now_ns() { date +%s%N; }

# run_load NAME CASES: StorageLoad on store NAME (s3 | local) for CASES (size:count:level,...); output in $work/NAME.out
run_load() {
    local name=$1 cases=$2 args
    if [ "$name" = s3 ]; then
        args=(s3 "$endpoint" "$access" "$secret" "$bucket")
    else
        args=(local "$work/local")
    fi
    "$JAVA_HOME/bin/java" -Xshare:auto -cp "$work/classes:$classpath" dev.tesela.bench.StorageLoad \
        "${args[@]}" "$work/sources" "$cases" >"$work/$name.out" 2>&1 \
        || { cat "$work/$name.out" >&2; die "StorageLoad $name failed"; }
    rm -rf "$work/sources" "$work/local"
}

# run_curl SIZE COUNT LEVEL: PUTs then GETs of COUNT objects of SIZE bytes; sets curl_put_ops and curl_get_ops
run_curl() {
    local size=$1 count=$2 level=$3 i t0 t1 t2 ok par=()
    mkdir -p "$work/curl-src"
    : >"$work/put.cfg"
    : >"$work/get.cfg"
    for ((i = 0; i < count; i++)); do
        head -c "$size" /dev/urandom >"$work/curl-src/$i.bin"
        printf 'upload-file = "%s"\nurl = "%s"\n' "$work/curl-src/$i.bin" "$endpoint/$bucket/curl/$size-$level/$i.jpeg" >>"$work/put.cfg"
        printf 'output = "/dev/null"\nurl = "%s"\n' "$endpoint/$bucket/curl/$size-$level/$i.jpeg" >>"$work/get.cfg"
    done
    [ "$level" -gt 1 ] && par=(--parallel --parallel-max "$level")
    t0=$(now_ns)
    curl -s --no-progress-meter "${par[@]}" "${sig[@]}" -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" -H "Content-Type: image/jpeg" \
        -w '%{http_code}\n' -o /dev/null -K "$work/put.cfg" >"$work/put.codes"
    t1=$(now_ns)
    curl -s --no-progress-meter "${par[@]}" "${sig[@]}" -H "x-amz-content-sha256: $empty_sha" -w '%{http_code}\n' -K "$work/get.cfg" >"$work/get.codes"
    t2=$(now_ns)
    ok=$(cat "$work/put.codes" "$work/get.codes" | grep -c '^200$' || true)
    [ "$ok" -eq $((2 * count)) ] || die "curl: $ok of $((2 * count)) requests answered 200 (size $size, level $level)"
    curl_put_ops=$(awk -v n="$count" -v ns=$((t1 - t0)) 'BEGIN { printf "%.1f", n / (ns / 1e9) }')
    curl_get_ops=$(awk -v n="$count" -v ns=$((t2 - t1)) 'BEGIN { printf "%.1f", n / (ns / 1e9) }')
    rm -rf "$work/curl-src"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
cases=""
for size in 51200 2097152; do
    count=$small_count
    [ "$size" = 2097152 ] && count=$large_count
    for level in $levels; do cases+="${cases:+,}$size:$count:$level"; done
done
measure_start=$SECONDS
echo "LocalBlobStore ($cases)..." >&2
run_load local "$cases"
echo "S3BlobStore ($cases)..." >&2
run_load s3 "$cases"
rows=()
for size in 51200 2097152; do
    count=$small_count
    label="50 KB"
    if [ "$size" = 2097152 ]; then count=$large_count; label="2 MB"; fi
    for level in $levels; do
        echo "curl, $label, concurrency $level..." >&2
        run_curl "$size" "$count" "$level"
        for op in put get; do
            l=$(result "$work/local.out" ops "$op" "$size" "$level")
            s=$(result "$work/s3.out" ops "$op" "$size" "$level")
            smb=$(result "$work/s3.out" mbps "$op" "$size" "$level")
            sp50=$(result "$work/s3.out" p50ms "$op" "$size" "$level")
            lp50=$(result "$work/local.out" p50ms "$op" "$size" "$level")
            c=$curl_put_ops
            [ "$op" = get ] && c=$curl_get_ops
            rows+=("| $op | $label | $level | $count | $l ($lp50 ms) | $s ($sp50 ms) | $smb MB/s | $c | $(ratio "$s" "$l") | $(ratio "$s" "$c") |")
        done
    done
done
measured=$((SECONDS - measure_start))

java_desc=$(awk -F'"' '/^IMPLEMENTOR=/ { i = $2 } /^JAVA_RUNTIME_VERSION=/ { v = $2 } END { print i " " v }' "$JAVA_HOME/release" 2>/dev/null || true)
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
elapsed=$((SECONDS - started))
report=$work/report.md
{
    printf '## Storage: S3BlobStore against S3Proxy vs LocalBlobStore vs curl, on loopback\n\n'
    printf -- '- Date: %s; measurements %d s, whole run %d s (build included)\n' "$(date -u '+%Y-%m-%d %H:%M UTC')" "$measured" "$elapsed"
    printf -- '- Machine: %s cores (%s), shared with other work: load average %s at the start, %s at the end\n' \
        "$(nproc)" "${cpu:-unknown CPU}" "$load_start" "$(cut -d' ' -f1-3 /proc/loadavg)"
    printf -- '- JDK: %s; AWS SDK for Java v2 with url-connection-client; S3Proxy 4.1.0 (filesystem backend, signatures checked, -Xmx512m) on the same cores; %s\n' \
        "$java_desc" "$(curl --version | head -n 1 | cut -d' ' -f1-2)"
    printf -- '- Each cell: ops/s (median latency). S3 put = putNew = HEAD + PUT `If-None-Match: *` (2 requests); get = GET read to the end. curl: PUT only (no HEAD, no condition, unsigned payload), then GET; one curl process per row, `--parallel` above concurrency 1. One JVM per Java store runs every row after an unmeasured warm-up of 400 puts and gets of 50 KB (its JIT and S3Proxy'"'"'s)\n\n'
    printf '| Op | Object | Concurrency | Objects | Local ops/s | S3 ops/s | S3 payload | curl ops/s | S3 / local | S3 / curl |\n'
    printf '|---|---|---|---|---|---|---|---|---|---|\n'
    printf '%s\n' "${rows[@]}"
    printf '\nLocal files stay in the page cache here, so S3 / local is the cost of the network protocol (HTTP, signing, the server) rather than of a disk; S3 / curl compares the adapter with a bare client sending the same PUTs and GETs to the same server (the adapter sends a HEAD before each PUT).\n'
} >"$report"

echo
cat "$report"

if [ "$write" -eq 1 ]; then
    # shellcheck source=bench/results.sh
    . "$root/bench/results.sh"
    write_results_block storage "$report" bench/storage.sh "$work"
fi
