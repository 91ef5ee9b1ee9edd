#!/usr/bin/env bash
# End-to-end storage benchmark on loopback: Tesela's own HTTP paths with its files on local disk versus on S3
# (S3Proxy), in one run: API v1 upload throughput and GET /images/<key> serving throughput (next to nginx).
#
# Usage: bench/storage-e2e.sh [--no-write]      (from any directory)
#   UPLOADS=<n> distinct ~1 MP JPEGs per upload level (default 16)   LEVELS="<c> ..." upload concurrency (default "1 4")
#   DURATION=<s> per measured wrk run (default 10)   ROUNDS=<n> serving rounds (default 2)
#   WARMUP=<s> unmeasured wrk warm-up per Tesela (default 20)
#   SMALL_CONNECTIONS=<n> wrk connections for the small file (default 64)   LARGE_CONNECTIONS=<n> (default 8)
#
# Contract
#   - Prerequisites: JDK 25 (scripts/java25.sh), curl >= 7.75 (--aws-sigv4), wrk, nginx, ImageMagick's convert and
#     vips (apt-get install wrk nginx-light imagemagick libvips-tools). Builds target/tesela.jar when stale (not
#     measured) and fetches S3Proxy into target/s3proxy/s3proxy.jar when missing (`./mvnw dependency:copy@copy-s3proxy`).
#     Exit 1 when something is missing, a server does not start or dies, an upload is not answered 200, a served
#     file differs from what nginx serves, or the S3 Tesela's files are not in the bucket.
#   - S3Proxy 4.1.0 as its own JVM (-Xmx512m, filesystem backend in a temp dir, signatures checked) on
#     127.0.0.1:<free port>, one bucket (made with curl --aws-sigv4), as in bench/storage.sh.
#   - Two Teselas run side by side for the whole measurement (same machine state, an idle one costs ~nothing), each
#     with a fresh data dir (embedded H2), `install`, `setting-update enable_duplicate_uploads 1`, an admin API key
#     (bench/tesela-server.sh): "local" keeps the built-in folder (a site with no storage rows: what a default install
#     does); "s3" gets `storage-add --api s3 --name bench --bucket B --endpoint http://127.0.0.1:PORT --region us-east-1
#     --path-style --key K --secret-env BENCH_S3_SECRET` (with its round trip) before `serve`, so every upload of it goes
#     to the bucket.
#   - Images, made fresh each run (not measured): distinct 1152x864 (~1 MP) crops, Q 90 (vips), of one plasma+noise
#     canvas (as bench/upload.sh; ~350 KiB each): UPLOADS for the measurement plus 12 for the warm-up; for serving,
#     one ~100 KB 800x600 JPEG (as bench/serving.sh; kept in Tesela's in-memory cache, which holds files up to 1 MiB)
#     and one 2-4 MB 2800x2100 crop (over the cache's limit: read from the store on every request, so on S3 every GET
#     is a GET to S3Proxy streamed through). Both serving files are uploaded to each Tesela with API v1.
#   - Uploads: bench/src/java/dev/tesela/bench/UploadLoad.java (JDK only): unmeasured warm-up (12 uploads at
#     concurrency 2) per Tesela, then for each level of LEVELS, local then s3, the same UPLOADS files: uploads/s,
#     p50/p95 latency, the Tesela's CPU per upload (/proc/PID/stat) and the 1-minute load average at its end.
#   - Serving: nginx (one process, `master_process off`, sendfile, same headers as bench/serving.sh) serves the bytes
#     the local Tesela serves, at the same paths; the script checks the S3 Tesela serves the same bytes (stripping is
#     deterministic). Unmeasured warm-up: WARMUP s of the small file and 5 s of the large one against each Tesela,
#     3 s each against nginx. Then per file (small: -c SMALL_CONNECTIONS; large: -c LARGE_CONNECTIONS), ROUNDS rounds
#     of one DURATION s `wrk -t2 --latency --timeout 10s` run per server, in the order local, s3, nginx in odd rounds
#     and nginx, s3, local in even ones (so neither Tesela always runs first): requests/s, p50/p99, transfer/s,
#     the server's CPU per 1,000 requests, the load average at the end, socket errors and non-2xx answers (reported,
#     not fatal, so that a failing S3 path shows in the results). For the S3 Tesela, S3Proxy's CPU is shown too.
#   - Ratios: S3 / local of uploads/s; S3 / local, local / nginx and S3 / nginx of the median requests/s over the rounds.
#   - Prints a markdown report and, unless --no-write, rewrites the block `storage-e2e` of bench/RESULTS.md. Logs and
#     wrk outputs stay in bench/out/ (git-ignored). Every process it starts is stopped on exit (TERM, then KILL after
#     15 s) and temp dirs are removed. With the defaults the whole run takes ~4 minutes on 2 cores.
set -euo pipefail

root=$(cd -- "$(dirname -- "$(readlink -f -- "${BASH_SOURCE[0]}")")/.." && pwd)
uploads=${UPLOADS:-16}
levels=${LEVELS:-1 4}
duration=${DURATION:-10}
rounds=${ROUNDS:-2}
warmup=${WARMUP:-20}
small_connections=${SMALL_CONNECTIONS:-64}
large_connections=${LARGE_CONNECTIONS:-8}
write=1
while [ $# -gt 0 ]; do
    case $1 in
        --no-write) write=0; shift ;;
        -h|--help) sed -n '2,10p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "storage-e2e.sh: unknown argument: $1" >&2; exit 2 ;;
    esac
done
for v in uploads duration rounds warmup small_connections large_connections; do
    [[ ${!v} =~ ^[1-9][0-9]*$ ]] || { echo "storage-e2e.sh: ${v^^} must be a positive integer" >&2; exit 2; }
done
for c in $levels; do [[ $c =~ ^[1-9][0-9]*$ ]] || { echo "storage-e2e.sh: LEVELS must be positive integers" >&2; exit 2; }; done

die() { echo "storage-e2e.sh: $*" >&2; exit 1; }
for tool in curl wrk vips; do command -v "$tool" >/dev/null || die "$tool is required"; done
curl --help all 2>/dev/null | grep -q -- --aws-sigv4 || die "curl with --aws-sigv4 (7.75+) is required"
convert -version 2>/dev/null | grep -q ImageMagick || die "ImageMagick's convert is required (apt-get install imagemagick)"
nginx_bin=$(command -v nginx || true)
[ -n "$nginx_bin" ] || { [ -x /usr/sbin/nginx ] && nginx_bin=/usr/sbin/nginx; } || true
[ -n "$nginx_bin" ] || die "nginx not found (apt-get install nginx-light)"

# shellcheck source=scripts/java25.sh
. "$root/scripts/java25.sh"

out_dir=$root/bench/out
mkdir -p "$out_dir"
base=$(mktemp -d "${TMPDIR:-/tmp}/tesela-storage-e2e.XXXXXX")
work=$base
pids=()
# shellcheck source=bench/tesela-server.sh
. "$root/bench/tesela-server.sh"

cleanup() {
    local pid
    for pid in "${pids[@]}"; do stop_pid "$pid"; done
    rm -rf "$base"
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
mkdir -p "$base/classes"
"$JAVA_HOME/bin/javac" -d "$base/classes" "$root/bench/src/java/dev/tesela/bench/UploadLoad.java" || die "javac UploadLoad failed"

# ---------------------------------------------------------------------------------------------
# Images
echo "Making the test images..." >&2
img=$base/images
mkdir -p "$img"
convert -seed 11 -size 3200x2400 plasma: -attenuate 0.1 +noise Gaussian -depth 8 "$img/canvas.ppm"
vips copy "$img/canvas.ppm" "$img/canvas.v"
rm -f "$img/canvas.ppm"
# crop_set NAME COUNT WIDTH HEIGHT: COUNT crops at distinct offsets into $img/NAME-<i>.jpg, listed in $img/NAME.txt.
crop_set() {
    local name=$1 count=$2 w=$3 h=$4 i x y
    : >"$img/$name.txt"
    for ((i = 0; i < count; i++)); do
        x=$(((i * 211 + 17) % (3200 - w + 1)))
        y=$(((i * 97 + 5) % (2400 - h + 1)))
        vips crop "$img/canvas.v" "$img/$name-$i.jpg[Q=90]" "$x" "$y" "$w" "$h"
        printf '%s\n' "$img/$name-$i.jpg" >>"$img/$name.txt"
    done
}
crop_set up "$uploads" 1152 864
crop_set warm 12 1152 864
vips crop "$img/canvas.v" "$img/large.jpg[Q=92]" 200 150 2800 2100
rm -f "$img/canvas.v"
convert -seed 7 -size 800x600 plasma: -attenuate 0.3 +noise Gaussian -quality 85 "$img/small.jpg"
up_kib=$(xargs stat -c %s <"$img/up.txt" | awk '{ s += $1 } END { printf "%.0f", s / NR / 1024 }')

# ---------------------------------------------------------------------------------------------
# S3Proxy with one bucket
access=bench-access
export BENCH_S3_SECRET=bench-secret-$RANDOM$RANDOM
bucket=bench
s3_port=$(free_port)
endpoint=http://127.0.0.1:$s3_port
mkdir -p "$base/s3data"
cat >"$base/s3proxy.conf" <<CONF
s3proxy.endpoint=$endpoint
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=$access
s3proxy.credential=$BENCH_S3_SECRET
jclouds.provider=filesystem
jclouds.filesystem.basedir=$base/s3data
jclouds.identity=$access
jclouds.credential=$BENCH_S3_SECRET
CONF
echo "Starting S3Proxy on $endpoint..." >&2
"$JAVA_HOME/bin/java" -Xmx512m -jar "$s3proxy_jar" --properties "$base/s3proxy.conf" >"$out_dir/storage-e2e-s3proxy.log" 2>&1 &
s3proxy_pid=$!
pids+=("$s3proxy_pid")
for ((i = 0; i < 600; i++)); do
    curl -s -o /dev/null "$endpoint/" && break
    kill -0 "$s3proxy_pid" 2>/dev/null || die "S3Proxy exited; see bench/out/storage-e2e-s3proxy.log"
    sleep 0.1
done
curl -s -o /dev/null "$endpoint/" || die "S3Proxy did not answer within 60 s"
empty_sha=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
code=$(curl -s -o /dev/null -w '%{http_code}' --aws-sigv4 "aws:amz:us-east-1:s3" --user "$access:$BENCH_S3_SECRET" \
    -H "x-amz-content-sha256: $empty_sha" -X PUT "$endpoint/$bucket")
[ "$code" = 200 ] || die "could not create bucket $bucket (HTTP $code)"

# ---------------------------------------------------------------------------------------------
# Two Teselas: local (built-in folder) and s3 (one storage row: the bucket)
declare -A pid_of base_of key_of log_of
for mode in local s3; do
    echo "Starting Tesela ($mode)..." >&2
    work=$base/$mode
    mkdir -p "$work"
    log_of[$mode]=$out_dir/storage-e2e-tesela-$mode.log
    if [ "$mode" = s3 ]; then
        # The steps of tesela_start (bench/tesela-server.sh) with storage-add between install and serve.
        tesela_port=$(free_port)
        tesela_data=$work/tesela-data
        mkdir -p "$tesela_data"
        _tesela_env
        tesela_cli install -u admin -e admin@example.com -x "$(head -c 18 /dev/urandom | base64 | tr -d '/+=')" \
            >"${log_of[$mode]}" 2>&1 || { tail -n 30 "${log_of[$mode]}" >&2; die "tesela install failed"; }
        tesela_cli storage-add --api s3 --name bench --bucket "$bucket" --endpoint "$endpoint" --region us-east-1 \
            --path-style --key "$access" --secret-env BENCH_S3_SECRET >>"${log_of[$mode]}" 2>&1 \
            || { tail -n 30 "${log_of[$mode]}" >&2; die "storage-add failed; log: ${log_of[$mode]}"; }
        tesela_cli storage-list >>"${log_of[$mode]}" 2>&1 || true
        tesela_cli setting-update -k enable_duplicate_uploads -v 1 >>"${log_of[$mode]}" 2>&1 || die "setting-update failed"
        out=$(tesela_cli api-key-create -u admin -n bench 2>>"${log_of[$mode]}") || die "api-key-create failed"
        tesela_key=$(printf '%s\n' "$out" | awk 'NF { last = $0 } END { print last }')
        tesela_base=http://127.0.0.1:$tesela_port
        env "${_tesela_env_args[@]}" "$root/tesela" serve >>"${log_of[$mode]}" 2>&1 </dev/null &
        tesela_pid=$!
        pids+=("$tesela_pid")
        deadline=$((SECONDS + 120))
        until [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$tesela_base/healthz" 2>/dev/null || true)" = 200 ]; do
            kill -0 "$tesela_pid" 2>/dev/null || { tail -n 40 "${log_of[$mode]}" >&2; die "tesela serve ($mode) exited early"; }
            [ "$SECONDS" -lt "$deadline" ] || die "tesela serve ($mode) gave no 200 on /healthz within 120 s"
            sleep 0.05
        done
    else
        tesela_start "${log_of[$mode]}" enable_duplicate_uploads=1
    fi
    pid_of[$mode]=$tesela_pid base_of[$mode]=$tesela_base key_of[$mode]=$tesela_key
done
work=$base

# upload_one MODE FILE: uploads FILE to MODE's Tesela; prints the /images/<key> path.
upload_one() {
    local url
    url=$(curl -sS --max-time 60 -F "key=${key_of[$1]}" -F format=txt -F "source=@$2;type=image/jpeg" \
        "${base_of[$1]}/api/1/upload") || die "upload of $2 to $1 failed"
    [[ $url == http*://*/images/* ]] || die "unexpected answer from $1 upload: $url"
    printf '/%s' "${url#*://*/}"
}

# ---------------------------------------------------------------------------------------------
# Uploads
clk_tck=$(getconf CLK_TCK)
ncpu=$(nproc)
result() { awk -v k="$2" '/^RESULT / { for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == k) print kv[2] } }' "$1" | tail -n 1; }
upload_load() { # MODE SET CONCURRENCY OUT; sets per_second p50 p95 cpu_per_upload load1
    local mode=$1 set=$2 c=$3 out=$4 s0 s1 files
    s0=$(proc_cpu_ticks "${pid_of[$mode]}")
    timeout 300 "$JAVA_HOME/bin/java" -cp "$base/classes" dev.tesela.bench.UploadLoad "${base_of[$mode]}/api/1/upload" \
        "${key_of[$mode]}" "$c" "$img/$set.txt" >"$out" 2>&1 \
        || { cat "$out" >&2; tail -n 30 "${log_of[$mode]}" >&2; die "uploads ($mode, $set, c=$c) failed"; }
    s1=$(proc_cpu_ticks "${pid_of[$mode]}")
    kill -0 "${pid_of[$mode]}" 2>/dev/null || die "Tesela ($mode) died; log: ${log_of[$mode]}"
    per_second=$(result "$out" per_second) p50=$(result "$out" p50_ms) p95=$(result "$out" p95_ms) files=$(result "$out" files)
    [ -n "$per_second" ] || { cat "$out" >&2; die "no RESULT line in $out"; }
    cpu_per_upload=$(awk -v t=$((s1 - s0)) -v hz="$clk_tck" -v n="$files" 'BEGIN { printf "%.0f", t * 1000 / hz / n }')
    load1=$(cut -d' ' -f1 /proc/loadavg)
}
for mode in local s3; do
    echo "Upload warm-up ($mode): 12 uploads at concurrency 2 (not counted)..." >&2
    upload_load "$mode" warm 2 "$out_dir/storage-e2e-upload-warm-$mode.txt"
done
declare -A up_rate
upload_rows=()
for c in $levels; do
    for mode in local s3; do
        upload_load "$mode" up "$c" "$out_dir/storage-e2e-upload-$mode-c$c.txt"
        up_rate[$mode-$c]=$per_second
        upload_rows+=("| $mode | $c | $per_second | $p50 ms | $p95 ms | $cpu_per_upload ms | $load1 |")
        echo "  upload $mode c=$c: $per_second uploads/s, p50 $p50 ms, p95 $p95 ms, CPU $cpu_per_upload ms/upload, load $load1" >&2
    done
done
s3_objects=$(find "$base/s3data/$bucket" -type f | wc -l)
# 3 files (original, thumb, medium) per upload; the warm-up and the levels went to the bucket.
expected_min=$((3 * (12 + uploads * $(wc -w <<<"$levels"))))
[ "$s3_objects" -ge "$expected_min" ] || die "the bucket holds $s3_objects objects, fewer than the $expected_min the S3 Tesela's uploads make"

# ---------------------------------------------------------------------------------------------
# Serving files: uploaded to both, nginx serves the local Tesela's bytes at the same paths
declare -A path_of bytes_of
prefix=$base/nginx
mkdir -p "$prefix/tmp" "$base/served"
for f in small large; do
    for mode in local s3; do
        path_of[$mode-$f]=$(upload_one "$mode" "$img/$f.jpg")
        code=$(curl -sS -o "$base/served/$mode-$f" -w '%{http_code}' "${base_of[$mode]}${path_of[$mode-$f]}") || die "GET ($mode $f) failed"
        [ "$code" = 200 ] || die "GET ${path_of[$mode-$f]} ($mode) answered $code"
    done
    cmp -s "$base/served/local-$f" "$base/served/s3-$f" || die "the S3 Tesela serves other bytes than the local one for the $f file"
    bytes_of[$f]=$(stat -c %s "$base/served/local-$f")
    mkdir -p "$(dirname "$prefix/html${path_of[local-$f]}")"
    cp "$base/served/local-$f" "$prefix/html${path_of[local-$f]}"
    path_of[nginx-$f]=${path_of[local-$f]}
done
[ "${bytes_of[small]}" -le 1048576 ] || die "the small file (${bytes_of[small]} bytes) does not fit the 1 MiB cache limit"
[ "${bytes_of[large]}" -ge 2000000 ] && [ "${bytes_of[large]}" -le 4194304 ] || die "the large file is ${bytes_of[large]} bytes, not 2-4 MB"
nginx_port=$(free_port)
cat >"$prefix/nginx.conf" <<CONF
daemon off;
master_process off;
worker_processes 1;
pid $prefix/nginx.pid;
error_log $prefix/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    types { image/jpeg jpg jpeg; image/png png; image/gif gif; image/webp webp; }
    default_type application/octet-stream;
    client_body_temp_path $prefix/tmp/body;
    proxy_temp_path $prefix/tmp/proxy;
    fastcgi_temp_path $prefix/tmp/fastcgi;
    uwsgi_temp_path $prefix/tmp/uwsgi;
    scgi_temp_path $prefix/tmp/scgi;
    server {
        listen 127.0.0.1:$nginx_port;
        root $prefix/html;
        add_header Cache-Control "public, max-age=31536000, immutable";
        add_header X-Content-Type-Options nosniff;
    }
}
CONF
"$nginx_bin" -p "$prefix/" -c "$prefix/nginx.conf" -e "$prefix/error.log" >"$out_dir/storage-e2e-nginx.log" 2>&1 </dev/null &
pid_of[nginx]=$!
base_of[nginx]=http://127.0.0.1:$nginx_port
pids+=("${pid_of[nginx]}")
for ((i = 0; i < 250; i++)); do
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "${base_of[nginx]}${path_of[nginx-small]}" 2>/dev/null) || true
    [ "$code" = 200 ] && break
    kill -0 "${pid_of[nginx]}" 2>/dev/null || die "nginx exited early"
    sleep 0.02
done
[ "$code" = 200 ] || die "nginx gave no 200"
for f in small large; do
    cmp -s "$base/served/local-$f" <(curl -sS "${base_of[nginx]}${path_of[nginx-$f]}") || die "nginx does not serve the same bytes ($f)"
done

# ---------------------------------------------------------------------------------------------
# Serving measurement
busy_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat; }
to_ms() { awk -v v="$1" 'BEGIN { n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
    printf "%.2f", u == "us" ? n / 1000 : u == "s" ? n * 1000 : u == "m" ? n * 60000 : n }'; }
to_mib() { awk -v v="$1" 'BEGIN { n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
    printf "%.1f", u == "GB" ? n * 1024 : u == "MB" ? n : u == "KB" ? n / 1024 : u == "B" ? n / 1048576 : n }'; }
# run_wrk SERVER FILE SECONDS OUT: sets rps p50 p99 xfer cpu_per_1k s3cpu_per_1k load1 errors
run_wrk() {
    local server=$1 f=$2 seconds=$3 out=$4 pid=${pid_of[$1]} conns=$small_connections s0 s1 p0 p1 requests
    [ "$f" = large ] && conns=$large_connections
    s0=$(proc_cpu_ticks "$pid") p0=$(proc_cpu_ticks "$s3proxy_pid")
    wrk -t2 -c"$conns" -d"${seconds}s" --timeout 10s --latency "${base_of[$server]}${path_of[$server-$f]}" >"$out" 2>&1 \
        || { cat "$out" >&2; die "wrk failed against $server ($f)"; }
    s1=$(proc_cpu_ticks "$pid") p1=$(proc_cpu_ticks "$s3proxy_pid")
    kill -0 "$pid" 2>/dev/null || die "$server (pid $pid) died during the $f run"
    errors=$(grep -E 'Non-2xx|Socket errors' "$out" | sed 's/^ *//' | paste -sd ';' || true)
    rps=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$out")
    requests=$(awk '/ requests in / { print $1 }' "$out")
    p50=$(to_ms "$(awk '$1 == "50%" { print $2 }' "$out")")
    p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' "$out")")
    xfer=$(to_mib "$(awk '/^Transfer\/sec:/ { print $2 }' "$out")")
    [ -n "$rps" ] && [ -n "$requests" ] && [ "$requests" -gt 0 ] || { cat "$out" >&2; die "could not read wrk's output ($server $f)"; }
    cpu_per_1k=$(awk -v t=$((s1 - s0)) -v hz="$clk_tck" -v n="$requests" 'BEGIN { printf "%.1f", t * 1000 / hz / n * 1000 }')
    s3cpu_per_1k=$(awk -v t=$((p1 - p0)) -v hz="$clk_tck" -v n="$requests" 'BEGIN { printf "%.1f", t * 1000 / hz / n * 1000 }')
    load1=$(cut -d' ' -f1 /proc/loadavg)
}
for mode in local s3; do
    echo "Serving warm-up ($mode): ${warmup} s small, 5 s large (not counted)..." >&2
    run_wrk "$mode" small "$warmup" "$out_dir/storage-e2e-warm-$mode-small.txt"
    run_wrk "$mode" large 5 "$out_dir/storage-e2e-warm-$mode-large.txt"
done
run_wrk nginx small 3 "$out_dir/storage-e2e-warm-nginx-small.txt"
run_wrk nginx large 3 "$out_dir/storage-e2e-warm-nginx-large.txt"
declare -A serve_runs serve_rps
serve_rows=()
for f in small large; do
    for ((r = 1; r <= rounds; r++)); do
        if ((r % 2)); then order=(local s3 nginx); else order=(nginx s3 local); fi
        for server in "${order[@]}"; do
            run_wrk "$server" "$f" "$duration" "$out_dir/storage-e2e-serve-$server-$f-$r.txt"
            serve_runs[$server-$f]+="$rps "
            s3note="—"
            [ "$server" = s3 ] && s3note="$s3cpu_per_1k ms"
            label="Tesela, local"
            [ "$server" = s3 ] && label="Tesela, S3"
            [ "$server" = nginx ] && label="nginx"
            serve_rows+=("| $f (${bytes_of[$f]} B) | $r | $label | $rps | $p50 ms | $p99 ms | $xfer MiB/s | $cpu_per_1k ms | $s3note | $load1 | ${errors:-none} |")
            echo "  serve $f round $r $server: $rps req/s, p50 $p50 ms, p99 $p99 ms, $xfer MiB/s, CPU $cpu_per_1k ms/1k, S3Proxy $s3cpu_per_1k ms/1k, load $load1, errors: ${errors:-none}" >&2
        done
    done
done
median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else printf "%.0f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
for k in "${!serve_runs[@]}"; do
    # shellcheck disable=SC2086  # space-separated numbers
    serve_rps[$k]=$(median ${serve_runs[$k]})
done
rss_local=$(rss_kb "${pid_of[local]}") rss_s3=$(rss_kb "${pid_of[s3]}")

# ---------------------------------------------------------------------------------------------
# Report
pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f %%", (b > 0 ? a / b * 100 : 0) }'; }
java_desc=$(awk -F'"' '/^IMPLEMENTOR=/ { i = $2 } /^JAVA_RUNTIME_VERSION=/ { v = $2 } END { print i " " v }' "$JAVA_HOME/release" 2>/dev/null || true)
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
nginx_desc=$("$nginx_bin" -v 2>&1 | sed 's#^nginx version: ##')
elapsed=$((SECONDS - started))
report=$base/report.md
{
    printf '## Storage end to end: uploads and /images/<key> with files on S3 (S3Proxy) versus local disk, on loopback\n\n'
    printf -- '- Date: %s; whole run %d s (build, image making and start-ups included)\n' "$(date -u '+%Y-%m-%d %H:%M UTC')" "$elapsed"
    printf -- '- Machine: %s cores (%s), shared with other work: load average %s at the start, %s at the end\n' \
        "$ncpu" "${cpu:-unknown CPU}" "$load_start" "$(cut -d' ' -f1-3 /proc/loadavg)"
    printf -- '- JDK: %s; TESELA_JAVA_OPTS: `%s`. Two Teselas side by side, embedded H2, fresh data dirs: "local" = built-in folder (no storage rows), "S3" = one s3 storage (`storage-add --api s3 --path-style`) on S3Proxy 4.1.0 (own JVM, -Xmx512m, filesystem backend, signatures checked). Everything (Teselas, S3Proxy, nginx, load tools) shares the same cores; nothing pinned\n' \
        "$java_desc" "${TESELA_JAVA_OPTS-the launcher default}"
    printf -- '- Uploads: API v1 (POST /api/1/upload), %s distinct ~1 MP JPEGs (1152x864, avg %s KiB) per level, UploadLoad.java; unmeasured warm-up of 12 uploads per Tesela; levels run local then S3\n' "$uploads" "$up_kib"
    printf -- '- Serving: wrk `-t2 --timeout 10s --latency`, %s rounds of %s s per server, order alternating, small file -c%s (kept in Tesela'"'"'s in-memory cache), large file -c%s (over the 1 MiB cache limit: streamed from the store on every request); unmeasured warm-up %s s small + 5 s large per Tesela, 3 s each for nginx (%s, one process, sendfile). CPU/1k req = the server'"'"'s CPU per 1,000 requests; S3Proxy CPU/1k = S3Proxy'"'"'s during the S3 Tesela'"'"'s runs\n\n' \
        "$rounds" "$duration" "$small_connections" "$large_connections" "$warmup" "$nginx_desc"
    printf '| Storage | Concurrency | Uploads/s | p50 | p95 | Tesela CPU/upload | Load (1 min, end) |\n|---|---|---|---|---|---|---|\n'
    printf '%s\n' "${upload_rows[@]}"
    printf '\n| File | Round | Server | Requests/s | p50 | p99 | Transfer/s | CPU/1k req | S3Proxy CPU/1k req | Load (1 min, end) | Errors |\n|---|---|---|---|---|---|---|---|---|---|---|\n'
    printf '%s\n' "${serve_rows[@]}"
    printf '\n| Median requests/s | Tesela, local | Tesela, S3 | nginx |\n|---|---|---|---|\n'
    for f in small large; do
        printf '| %s file | %s | %s | %s |\n' "$f" "${serve_rps[local-$f]}" "${serve_rps[s3-$f]}" "${serve_rps[nginx-$f]}"
    done
    printf '\n| Ratio (serving: of the medians) | Value |\n|---|---|\n'
    for c in $levels; do
        printf '| Uploads/s at concurrency %s, S3 / local | **%s** |\n' "$c" "$(pct "${up_rate[s3-$c]}" "${up_rate[local-$c]}")"
    done
    for f in small large; do
        printf '| Serving %s file, S3 / local | **%s** |\n' "$f" "$(pct "${serve_rps[s3-$f]}" "${serve_rps[local-$f]}")"
        printf '| Serving %s file, Tesela local / nginx | %s |\n' "$f" "$(pct "${serve_rps[local-$f]}" "${serve_rps[nginx-$f]}")"
        printf '| Serving %s file, Tesela S3 / nginx | %s |\n' "$f" "$(pct "${serve_rps[s3-$f]}" "${serve_rps[nginx-$f]}")"
    done
    printf '\nRSS at the end: Tesela local %s MiB, Tesela S3 %s MiB. The bucket held %s objects after the uploads (3 per upload). On 2 shared cores expect ±30 %% between runs; the ratios come from the same run.\n' \
        "$(awk -v k="${rss_local:-0}" 'BEGIN { printf "%.0f", k / 1024 }')" "$(awk -v k="${rss_s3:-0}" 'BEGIN { printf "%.0f", k / 1024 }')" "$s3_objects"
    printf '\nWhat the S3 paths do (S3BlobStore, StoreStep, FileServer), for reading the figures: an upload stores 3 files (original, thumb, medium) and each took 5 requests to S3 in the measured tree (stage: PUT `If-None-Match: *` under `.staging/`, no HEAD since 506830b; publish: HEAD of the staged object + HEAD of the key + CopyObject + DELETE of the staged one), so 15 requests per upload (12 since the publish's HEAD of the staged object went, after this run) and every byte written twice, where local storage copies the 3 files into its staging folder and then links or moves them into place (no second copy); the SDK'"'"'s work per request shows in Tesela'"'"'s CPU per upload. A small file is answered from memory on both Teselas (the local one still checks its file with one `stat` per request, the S3 one trusts its entry for 30 s). A large file on S3 is one GET to S3Proxy per request, read through a 64 KiB buffer and written to the client, where the local one is read from the page cache.\n'
} >"$report"

echo
cat "$report"
cp "$prefix/error.log" "$out_dir/storage-e2e-nginx-error.log" 2>/dev/null || true

if [ "$write" -eq 1 ]; then
    # shellcheck source=bench/results.sh
    . "$root/bench/results.sh"
    write_results_block storage-e2e "$report" bench/storage-e2e.sh "$base"
fi
