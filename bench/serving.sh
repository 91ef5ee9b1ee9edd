#!/usr/bin/env bash
# Direct file serving benchmark: Tesela's GET /images/<key> next to nginx serving the same file, on loopback only.
#
# Usage: bench/serving.sh [--no-write] [--tree DIR --block NAME --title TEXT]      (from any directory)
#   ROUNDS=<n> measured rounds (default 3)   DURATION=<s> per measured wrk run (default 15)
#   WARMUP=<s> unmeasured JVM warm-up (default 45)   CONNECTIONS=<n> (default 64)   THREADS=<n> (default 2)
#   --tree DIR: measure the Tesela checkout at DIR (its own ./tesela), e.g. an export of an earlier commit for a
#   before/after comparison; --block NAME writes that block of this checkout's bench/RESULTS.md instead of `serving`;
#   --title TEXT is added to the section's heading.
#
# Contract
#   - Prerequisites: JDK 25 (scripts/java25.sh), curl, wrk, nginx, ImageMagick's convert (apt-get install wrk
#     nginx-light imagemagick; .ci/run installs them). Exit 1 when one is missing, a server exits early or a request
#     fails.
#   - Tesela: build and start-up cache prepared when stale (never measured); fresh temp data dir (embedded H2), `install`,
#     `api-key-create`, then `./tesela serve` on 127.0.0.1:<free port> (bench/tesela-server.sh). One ~100 KB JPEG
#     (800x600 plasma + noise, seed 7, quality 85; the script fails unless it is 70-130 KB) is uploaded with
#     POST /api/1/upload (key + multipart source, format=txt: the answer is image.url), which gives /images/<key>.
#   - nginx: this machine's nginx, `daemon off; master_process off;` (so ONE process, one core at most, while
#     Tesela may use both), sendfile on, access log off, keep-alive without a request limit, the same
#     Cache-Control and nosniff headers; the file it serves is the one Tesela serves (downloaded from it, byte
#     for byte), at the same path under its root.
#   - Load: wrk -tTHREADS -cCONNECTIONS -dDURATION --latency. First an unmeasured WARMUP s run against Tesela (JIT)
#     and a 3 s one against nginx; then ROUNDS rounds, each one run per server, the order alternating between
#     rounds (T,N / N,T / ...). wrk and both servers share the machine's cores; nothing is pinned. Why 45 s: on the
#     2 shared cores Tesela's CPU per request kept falling for ~40 s of load (C2 still compiling), so a 15 s
#     warm-up put JIT time into the first measured round.
#   - Per run: requests/s, p50/p99 latency, transfer/s (wrk's figures), the server's CPU time per 1,000 requests
#     (from /proc/PID/stat), Tesela's peak RSS (VmRSS sampled every 0.5 s during its runs), the 1-minute load
#     average at the end of the run and the CPU that other processes took during it (busy CPU from /proc/stat
#     minus the server's and wrk's; out of nproc x 100 %). A run with socket errors or non-2xx answers fails the script.
#   - Prints a markdown table (per run, medians, Tesela/nginx ratio of the medians) and, unless --no-write, rewrites
#     the block `serving` of bench/RESULTS.md (bench/results.sh). wrk outputs and server logs stay in bench/out/
#     (git-ignored). Every process it starts is stopped on exit (TERM, then KILL after 15 s); temp dirs are removed.
set -euo pipefail

root=$(cd -- "$(dirname -- "$(readlink -f -- "${BASH_SOURCE[0]}")")/.." && pwd)
rounds=${ROUNDS:-3}
duration=${DURATION:-15}
warmup=${WARMUP:-45}
connections=${CONNECTIONS:-64}
threads=${THREADS:-2}
write=1
block=serving
title=""
while [ $# -gt 0 ]; do
    case $1 in
        --no-write) write=0; shift ;;
        --tree) tesela_root=$(cd -- "${2:?--tree needs a directory}" && pwd); shift 2 ;;
        --block) block=${2:?--block needs a name}; shift 2 ;;
        --title) title=${2:?--title needs a text}; shift 2 ;;
        -h|--help) sed -n '2,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "serving.sh: unknown argument: $1" >&2; exit 2 ;;
    esac
done
for v in rounds duration warmup connections threads; do
    [[ ${!v} =~ ^[1-9][0-9]*$ ]] || { echo "serving.sh: ${v^^} must be a positive integer" >&2; exit 2; }
done

die() { echo "serving.sh: $*" >&2; exit 1; }
for tool in curl wrk; do command -v "$tool" >/dev/null || die "$tool is required (apt-get install $tool)"; done
nginx_bin=$(command -v nginx || true)
[ -n "$nginx_bin" ] || { [ -x /usr/sbin/nginx ] && nginx_bin=/usr/sbin/nginx; } || true
[ -n "$nginx_bin" ] || die "nginx not found (apt-get install nginx-light)"
convert -version 2>/dev/null | grep -q ImageMagick || die "ImageMagick's convert is required (apt-get install imagemagick)"

# shellcheck source=scripts/java25.sh
. "$root/scripts/java25.sh"

out_dir=$root/bench/out
mkdir -p "$out_dir"
work=$(mktemp -d "${TMPDIR:-/tmp}/tesela-serving.XXXXXX")
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

# ---------------------------------------------------------------------------------------------
# Tesela with one uploaded ~100 KB JPEG
echo "Starting Tesela..." >&2
tesela_log=$out_dir/serving-tesela.log
tesela_start "$tesela_log"
image=$work/photo.jpg
convert -seed 7 -size 800x600 plasma: -attenuate 0.3 +noise Gaussian -quality 85 "$image"
image_bytes=$(stat -c %s "$image")
[ "$image_bytes" -ge 70000 ] && [ "$image_bytes" -le 130000 ] || die "test image is $image_bytes bytes, not ~100 KB"
url=$(curl -sS --max-time 60 -F "key=$tesela_key" -F format=txt -F "source=@$image;type=image/jpeg" "$tesela_base/api/1/upload") \
    || die "upload failed"
path=/${url#*://*/}
[[ $path == /images/* ]] || die "unexpected image URL $url"
served=$work/served.jpg
code=$(curl -sS -o "$served" -w '%{http_code}' "$tesela_base$path") || die "GET $path failed"
[ "$code" = 200 ] || die "GET $path answered $code"
served_bytes=$(stat -c %s "$served")

# ---------------------------------------------------------------------------------------------
# nginx serving the same bytes at the same path
nginx_port=$(free_port)
prefix=$work/nginx
mkdir -p "$prefix/tmp" "$(dirname "$prefix/html$path")"
cp "$served" "$prefix/html$path"
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
nginx_log=$out_dir/serving-nginx.log
"$nginx_bin" -p "$prefix/" -c "$prefix/nginx.conf" -e "$prefix/error.log" >"$nginx_log" 2>&1 </dev/null &
nginx_pid=$!
pids+=("$nginx_pid")
for ((i = 0; i < 250; i++)); do
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$nginx_port$path" 2>/dev/null) || true
    [ "$code" = 200 ] && break
    kill -0 "$nginx_pid" 2>/dev/null || { cat "$prefix/error.log" >&2 || true; die "nginx exited early"; }
    sleep 0.02
done
[ "$code" = 200 ] || die "nginx gave no 200 for $path"
cmp -s "$served" <(curl -sS "http://127.0.0.1:$nginx_port$path") || die "nginx does not serve the same bytes"

# ---------------------------------------------------------------------------------------------
# Measurement
declare -A url_of=([tesela]="$tesela_base$path" [nginx]="http://127.0.0.1:$nginx_port$path")
declare -A pid_of=([tesela]=$tesela_pid [nginx]=$nginx_pid)
clk_tck=$(getconf CLK_TCK)
ncpu=$(nproc)

# busy_ticks: busy CPU time of the whole machine (all cores) in clock ticks.
busy_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat; }
# child_ticks: CPU time of this script's waited-for children (wrk, mostly), in clock ticks.
child_ticks() { local s; s=$(cat /proc/$$/stat); s=${s##*) }; awk '{ print $14 + $15 }' <<<"$s"; }
# to_ms VALUE: wrk latency (e.g. 812.00us, 2.43ms, 1.02s) in ms.
to_ms() { awk -v v="$1" 'BEGIN { n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
    printf "%.2f", u == "us" ? n / 1000 : u == "s" ? n * 1000 : u == "m" ? n * 60000 : n }'; }
# to_mib VALUE: wrk transfer (e.g. 2.35GB, 512.3MB) in MiB.
to_mib() { awk -v v="$1" 'BEGIN { n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
    printf "%.1f", u == "GB" ? n * 1024 : u == "MB" ? n : u == "KB" ? n / 1024 : u == "B" ? n / 1048576 : n }'; }

# run_wrk SERVER SECONDS OUT: one wrk run; sets rps p50 p99 xfer cpu_per_1k rss_peak load1 others (others in %).
run_wrk() {
    local server=$1 seconds=$2 out=$3 pid=${pid_of[$1]} sampler b0 b1 s0 s1 c0 c1 requests errors
    : >"$work/rss"
    (
        max=0 end=$((SECONDS + seconds + 2))
        while [ "$SECONDS" -lt "$end" ] && [ ! -e "$work/rss.stop" ]; do
            r=$(rss_kb "$pid"); [ "${r:-0}" -gt "$max" ] && max=$r
            sleep 0.5
        done
        echo "$max" >"$work/rss"
    ) &
    sampler=$!
    pids+=("$sampler")
    b0=$(busy_ticks) s0=$(proc_cpu_ticks "$pid") c0=$(child_ticks)
    wrk -t"$threads" -c"$connections" -d"${seconds}s" --latency "${url_of[$server]}" >"$out" 2>&1 \
        || { cat "$out" >&2; die "wrk failed against $server"; }
    b1=$(busy_ticks) s1=$(proc_cpu_ticks "$pid") c1=$(child_ticks)
    touch "$work/rss.stop"
    wait "$sampler" 2>/dev/null || true
    rm -f "$work/rss.stop"
    kill -0 "$pid" 2>/dev/null || die "$server (pid $pid) died during the run"
    errors=$(grep -E 'Non-2xx|Socket errors' "$out" || true)
    [ -z "$errors" ] || { cat "$out" >&2; die "errors in the run against $server: $errors"; }
    rps=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$out")
    requests=$(awk '/ requests in / { print $1 }' "$out")
    p50=$(to_ms "$(awk '$1 == "50%" { print $2 }' "$out")")
    p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' "$out")")
    xfer=$(to_mib "$(awk '/^Transfer\/sec:/ { print $2 }' "$out")")
    [ -n "$rps" ] && [ -n "$requests" ] && [ "$requests" -gt 0 ] || { cat "$out" >&2; die "could not read wrk's output"; }
    cpu_per_1k=$(awk -v t=$((s1 - s0)) -v hz="$clk_tck" -v n="$requests" 'BEGIN { printf "%.1f", t * 1000 / hz / n * 1000 }')
    others=$(awk -v b=$((b1 - b0)) -v s=$((s1 - s0)) -v c=$((c1 - c0)) -v hz="$clk_tck" -v d="$seconds" \
        'BEGIN { o = (b - s - c) / hz / d * 100; printf "%.0f", o < 0 ? 0 : o }')
    rss_peak=$(cat "$work/rss")
    load1=$(cut -d' ' -f1 /proc/loadavg)
}

echo "Warm-up: ${warmup} s against Tesela, 3 s against nginx (not counted)..." >&2
run_wrk tesela "$warmup" "$out_dir/serving-warmup-tesela.txt"
warm_rps=$rps
run_wrk nginx 3 "$out_dir/serving-warmup-nginx.txt"
echo "  warm-up: Tesela $warm_rps req/s" >&2

declare -A rps_runs p50_runs p99_runs xfer_runs cpu_runs load_runs others_runs
tesela_rss_peak=0
rows=()
for ((r = 1; r <= rounds; r++)); do
    if ((r % 2)); then order=(tesela nginx); else order=(nginx tesela); fi
    for server in "${order[@]}"; do
        run_wrk "$server" "$duration" "$out_dir/serving-$server-$r.txt"
        rps_runs[$server]+="$rps " p50_runs[$server]+="$p50 " p99_runs[$server]+="$p99 " xfer_runs[$server]+="$xfer "
        cpu_runs[$server]+="$cpu_per_1k "
        rss_note="—"
        if [ "$server" = tesela ]; then
            rss_note="$(awk -v k="$rss_peak" 'BEGIN { printf "%.0f MiB", k / 1024 }')"
            [ "$rss_peak" -gt "$tesela_rss_peak" ] && tesela_rss_peak=$rss_peak
        fi
        rows+=("| $r | $server | $rps | $p50 ms | $p99 ms | $xfer MiB/s | $cpu_per_1k ms | $rss_note | $load1 | $others % |")
        echo "  round $r $server: $rps req/s, p50 $p50 ms, p99 $p99 ms, $xfer MiB/s, CPU ${cpu_per_1k} ms/1k req, load $load1, others $others %" >&2
    done
done
tesela_rss_end=$(rss_kb "$tesela_pid")

# ---------------------------------------------------------------------------------------------
# Report
median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
java_desc=$(awk -F'"' '/^IMPLEMENTOR=/ { i = $2 } /^JAVA_RUNTIME_VERSION=/ { v = $2 } END { print i " " v }' "$JAVA_HOME/release" 2>/dev/null || true)
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
nginx_desc=$("$nginx_bin" -v 2>&1 | sed 's#^nginx version: ##')
wrk_desc=$(wrk -v 2>&1 | head -n 1 | awk '{ print $1, $2 }' || true)
declare -A med_rps med_p50 med_p99 med_xfer med_cpu
for s in tesela nginx; do
    # shellcheck disable=SC2086  # the runs are space-separated numbers
    {
        read -r med_rps[$s] < <(median ${rps_runs[$s]})
        read -r med_p50[$s] < <(median ${p50_runs[$s]})
        read -r med_p99[$s] < <(median ${p99_runs[$s]})
        read -r med_xfer[$s] < <(median ${xfer_runs[$s]})
        read -r med_cpu[$s] < <(median ${cpu_runs[$s]})
    }
done
ratio=$(awk -v t="${med_rps[tesela]}" -v n="${med_rps[nginx]}" 'BEGIN { printf "%.0f", t / n * 100 }')
cpu_ratio=$(awk -v t="${med_cpu[tesela]}" -v n="${med_cpu[nginx]}" 'BEGIN { printf "%.1f", (n > 0 ? t / n : 0) }')
verdict="below the 80 % target"
[ "$ratio" -ge 80 ] && verdict="meets the 80 % target"
elapsed=$((SECONDS - started))

report=$work/report.md
{
    printf '## Serving: direct file URL (/images/<key>) next to nginx%s\n\n' "${title:+ ($title)}"
    printf -- '- Date: %s; whole run %d s\n' "$(date -u '+%Y-%m-%d %H:%M UTC')" "$elapsed"
    printf -- '- Machine: %s cores (%s), shared with other work: load average %s at the start, %s at the end\n' \
        "$ncpu" "${cpu:-unknown CPU}" "$load_start" "$(cut -d' ' -f1-3 /proc/loadavg)"
    printf -- '- JDK: %s; TESELA_JAVA_OPTS: `%s`; Tesela on embedded H2, fresh data dir\n' "$java_desc" "${TESELA_JAVA_OPTS-the launcher default}"
    printf -- '- Reference: %s, `master_process off` = one process (at most one core; Tesela may use both), sendfile on, keep-alive without a request limit, same Cache-Control/nosniff headers\n' "$nginx_desc"
    printf -- '- File: one JPEG of %s bytes (800x600, uploaded through POST /api/1/upload; nginx serves the same bytes at the same path `%s`)\n' "$served_bytes" "$path"
    printf -- '- Load: %s `-t%s -c%s -d%ss --latency` from the same machine: wrk and the server compete for the same %s cores, nothing pinned. Unmeasured warm-up %s s against Tesela (%s req/s) and 3 s against nginx; then %s rounds, one run per server each, order alternating\n' \
        "${wrk_desc:-wrk}" "$threads" "$connections" "$duration" "$ncpu" "$warmup" "$warm_rps" "$rounds"
    printf -- '- CPU/1k req = the server process'"'"'s user+system CPU per 1,000 requests. Others = CPU that processes other than the server and wrk took during the run (out of %s %%): the noise from other work\n\n' "$((ncpu * 100))"
    printf '| Round | Server | Requests/s | p50 | p99 | Transfer/s | CPU/1k req | Tesela peak RSS | Load (1 min, end) | Others |\n'
    printf '|---|---|---|---|---|---|---|---|---|---|\n'
    printf '%s\n' "${rows[@]}"
    printf '\n| Median | Requests/s | p50 | p99 | Transfer/s | CPU/1k req |\n|---|---|---|---|---|---|\n'
    for s in tesela nginx; do
        printf '| %s | %s | %s ms | %s ms | %s MiB/s | %s ms |\n' "$s" "${med_rps[$s]}" "${med_p50[$s]}" "${med_p99[$s]}" "${med_xfer[$s]}" "${med_cpu[$s]}"
    done
    printf '\nTesela / nginx: **%s %%** of the requests per second (%s; medians), %sx the CPU per request. ' "$ratio" "$verdict" "$cpu_ratio"
    printf 'Tesela RSS: peak %s MiB during the measured runs, %s MiB after them.\n' \
        "$(awk -v k="$tesela_rss_peak" 'BEGIN { printf "%.0f", k / 1024 }')" "$(awk -v k="${tesela_rss_end:-0}" 'BEGIN { printf "%.0f", k / 1024 }')"
} >"$report"

echo
cat "$report"
cp "$prefix/error.log" "$out_dir/serving-nginx-error.log" 2>/dev/null || true

if [ "$write" -eq 1 ]; then
    # shellcheck source=bench/results.sh
    . "$root/bench/results.sh"
    write_results_block "$block" "$report" bench/serving.sh "$work"
fi
