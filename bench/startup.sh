#!/usr/bin/env bash
# Startup benchmark: Tesela vs nginx (reference), on loopback only.
#
# Usage: bench/startup.sh [--only tesela|nginx] [--no-write] [--tree DIR --block NAME --title TEXT]   (any directory)
#   RUNS=<n>  runs per server (default 3)   IDLE_SECONDS=<s> (default 20)
#   --tree DIR: measure the Tesela checkout at DIR (its own ./tesela) instead of this one, e.g. an export of an
#   earlier commit for a before/after comparison; --block NAME writes the block NAME of this checkout's
#   bench/RESULTS.md instead of `startup`; --title TEXT is added to the section's heading.
#
# Contract
#   - Tesela: first runs `./tesela version` once, unmeasured, so that the launcher builds the jar and makes its
#     start-up cache (target/tesela.aot) if either is missing or stale: neither is ever part of a measurement.
#     Each run starts `./tesela serve` with TESELA_HTTP_HOST=127.0.0.1, TESELA_HTTP_PORT=<free port>,
#     TESELA_DATA_DIR=<fresh empty temp dir> and no other TESELA_* setting except TESELA_JAVA_OPTS and
#     TESELA_AOT (so: embedded H2, first-run migrations and key generation included). Timing includes the
#     launcher (JDK check, cache check) and JVM start.
#   - The machine's 2 cores are shared with other work, so each Tesela run also records figures that the load
#     does not inflate: the server's CPU time (user+system, all threads) at the first 200, and for the JVM's main
#     thread (the one that runs start-up) its time on a core and its time waiting for one (/proc schedstat), with
#     the 1-minute load average at the first 200. On a quiet machine the wall time is about the main thread's
#     time on a core plus the launcher's ~50 ms.
#   - nginx: this machine's nginx binary, `daemon off; master_process off;` (one process), a
#     throwaway prefix dir and config, one static file on another free loopback port.
#   - Per run: time from process start to the first HTTP 200 (Tesela: GET /healthz; nginx: GET
#     /index.html), polled with curl every 20 ms, so figures carry ~20-30 ms of polling/curl-start
#     granularity; then idle RSS (VmRSS of the server's PID) IDLE_SECONDS (default 20) after that first 200.
#   - Prints a markdown table (per-run figures, medians, Tesela/nginx ratios). Unless --only or
#     --no-write is given, rewrites the block between `<!-- startup:begin -->` and
#     `<!-- startup:end -->` in bench/RESULTS.md (creating the file, or appending the block, if missing).
#   - Every process it starts is stopped on exit (TERM, then KILL after 15 s); temp dirs are removed.
#     Server logs of the last run of each kind stay in bench/out/ (git-ignored).
#   - Exit status: 0 on success; 1 if a server exits early, never answers 200 within 120 s, or a
#     prerequisite (JDK 25, curl, nginx) is missing.
set -euo pipefail

root=$(cd -- "$(dirname -- "$(readlink -f -- "${BASH_SOURCE[0]}")")/.." && pwd)
runs=${RUNS:-3}
idle_seconds=${IDLE_SECONDS:-20}
only=""
write=1
tree=""
block=startup
title=""
while [ $# -gt 0 ]; do
    case $1 in
        --only) only=${2:?--only needs tesela or nginx}; shift 2 ;;
        --no-write) write=0; shift ;;
        --tree) tree=$(cd -- "${2:?--tree needs a directory}" && pwd); shift 2 ;;
        --block) block=${2:?--block needs a name}; shift 2 ;;
        --title) title=${2:?--title needs a text}; shift 2 ;;
        -h|--help) sed -n '2,8p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "startup.sh: unknown argument: $1" >&2; exit 2 ;;
    esac
done
case $only in ""|tesela|nginx) ;; *) echo "startup.sh: --only takes tesela or nginx" >&2; exit 2 ;; esac
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "startup.sh: RUNS must be a positive integer" >&2; exit 2; }
[ -n "$only" ] && write=0

die() { echo "startup.sh: $*" >&2; exit 1; }
command -v curl >/dev/null || die "curl is required"

# shellcheck source=scripts/java25.sh
. "$root/scripts/java25.sh"

out_dir=$root/bench/out
mkdir -p "$out_dir"
work=$(mktemp -d "${TMPDIR:-/tmp}/tesela-startup.XXXXXX")
pids=()

# stop_pid PID: TERM, wait up to 15 s, then KILL; reaps it. Never fails.
stop_pid() {
    local pid=$1 i
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 150; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}
cleanup() {
    local pid
    for pid in "${pids[@]}"; do stop_pid "$pid"; done
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

now_us() { local t=${EPOCHREALTIME//[!0-9]/}; printf '%s' "$((10#$t))"; }

# free_port: prints a TCP port on 127.0.0.1 that nothing listens on (and that no earlier call returned).
used_ports=" "
free_port() {
    local p i
    for ((i = 0; i < 200; i++)); do
        p=$((20000 + RANDOM % 30000))
        [[ $used_ports == *" $p "* ]] && continue
        if ! (: <"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
            used_ports+="$p "
            printf '%s' "$p"
            return 0
        fi
    done
    die "no free loopback port found"
}

# main_sched PID: "<ms on a core> <ms waiting for a core>" of the JVM's main thread (the task named java other than
# the process's first one), or "- -" when there is none (nginx).
main_sched() {
    local pid=$1 task run wait _
    for task in /proc/"$pid"/task/*; do
        [ "${task##*/}" != "$pid" ] && [ "$(cat "$task/comm" 2>/dev/null)" = java ] || continue
        read -r run wait _ <"$task/schedstat" || continue
        printf '%d %d\n' $((run / 1000000)) $((wait / 1000000))
        return 0
    done
    printf -- '- -\n'
}

# measure PID URL LOG: waits for the first 200 from URL (polling every 20 ms, 120 s limit), then IDLE_SECONDS,
# and sets ms (start→first 200, from t0), cpu_ms (the process's CPU at the first 200), main_run and main_wait
# (main_sched), load1 (at the first 200) and rss_kb. Fails if PID exits first.
measure() {
    local pid=$1 url=$2 log=$3 code deadline t1
    deadline=$((t0 + 120000000))
    while :; do
        code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url" 2>/dev/null) || true
        [ "$code" = 200 ] && break
        if ! kill -0 "$pid" 2>/dev/null; then
            tail -n 40 "$log" >&2 || true
            die "server (pid $pid) exited before answering 200 on $url; log: $log"
        fi
        if [ "$(now_us)" -ge "$deadline" ]; then
            tail -n 40 "$log" >&2 || true
            die "no 200 from $url within 120 s; log: $log"
        fi
        sleep 0.02
    done
    t1=$(now_us)
    ms=$(((t1 - t0 + 500) / 1000))
    local stat
    stat=$(cat "/proc/$pid/stat"); stat=${stat##*) }
    cpu_ms=$(awk -v hz="$(getconf CLK_TCK)" '{ printf "%d", ($12 + $13) * 1000 / hz }' <<<"$stat")
    read -r main_run main_wait < <(main_sched "$pid")
    load1=$(cut -d' ' -f1 /proc/loadavg)
    sleep "$idle_seconds"
    kill -0 "$pid" 2>/dev/null || die "server (pid $pid) died during the idle wait; log: $log"
    rss_kb=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status")
    [ -n "$rss_kb" ] || die "could not read VmRSS of pid $pid"
}

# forget_pid PID: stops PID and drops it from the cleanup list.
forget_pid() {
    local pid=$1 keep=() p
    stop_pid "$pid"
    for p in "${pids[@]}"; do [ "$p" = "$pid" ] || keep+=("$p"); done
    pids=("${keep[@]}")
}

median() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
join_slash() { local IFS=/; printf '%s' "$*" | sed 's#/# / #g'; }

# ---------------------------------------------------------------------------------------------
# Tesela
tesela_ms=() tesela_rss=() tesela_cpu=() tesela_run=() tesela_wait=() tesela_load=()
if [ "$only" != nginx ]; then
    # Only TESELA_JAVA_OPTS and TESELA_AOT survive from the caller's TESELA_* settings.
    unset_args=()
    while IFS= read -r name; do
        [ "$name" = TESELA_JAVA_OPTS ] || [ "$name" = TESELA_AOT ] || unset_args+=(-u "$name")
    done < <(compgen -e | grep '^TESELA_' || true)
    echo "Preparing Tesela: build and start-up cache when stale (not part of the measurement)..." >&2
    env "${unset_args[@]}" "${tree:-$root}/tesela" version >/dev/null </dev/null || die "./tesela version failed"

    for ((r = 1; r <= runs; r++)); do
        port=$(free_port)
        data=$work/tesela-data-$r
        mkdir -p "$data"
        log=$out_dir/startup-tesela.log
        t0=$(now_us)
        env "${unset_args[@]}" TESELA_HTTP_HOST=127.0.0.1 TESELA_HTTP_PORT="$port" TESELA_DATA_DIR="$data" \
            "${tree:-$root}/tesela" serve >"$log" 2>&1 </dev/null &
        pid=$!
        pids+=("$pid")
        measure "$pid" "http://127.0.0.1:$port/healthz" "$log"
        exe=$(readlink "/proc/$pid/exe" || true)
        [[ $exe == */java ]] || echo "startup.sh: warning: pid $pid runs '$exe', not java; RSS may be wrong" >&2
        forget_pid "$pid"
        rm -rf "$data"
        tesela_ms+=("$ms") tesela_rss+=("$rss_kb") tesela_cpu+=("$cpu_ms") tesela_run+=("$main_run")
        tesela_wait+=("$main_wait") tesela_load+=("$load1")
        echo "tesela run $r: ${ms} ms, CPU ${cpu_ms} ms, main thread ${main_run} ms on a core + ${main_wait} ms waiting, load $load1, $(mib "$rss_kb") MiB" >&2
    done
fi

# ---------------------------------------------------------------------------------------------
# nginx
nginx_ms=() nginx_rss=() nginx_load=()
nginx_bin=""
if [ "$only" != tesela ]; then
    nginx_bin=$(command -v nginx || true)
    [ -n "$nginx_bin" ] || { [ -x /usr/sbin/nginx ] && nginx_bin=/usr/sbin/nginx; } || true
    [ -n "$nginx_bin" ] || die "nginx not found (apt-get install nginx-light)"
    for ((r = 1; r <= runs; r++)); do
        port=$(free_port)
        prefix=$work/nginx-$r
        mkdir -p "$prefix/html" "$prefix/tmp"
        printf '<!doctype html><title>ok</title><p>ok</p>\n' >"$prefix/html/index.html"
        cat >"$prefix/nginx.conf" <<CONF
daemon off;
master_process off;
worker_processes 1;
pid $prefix/nginx.pid;
error_log $prefix/error.log warn;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path $prefix/tmp/body;
    proxy_temp_path $prefix/tmp/proxy;
    fastcgi_temp_path $prefix/tmp/fastcgi;
    uwsgi_temp_path $prefix/tmp/uwsgi;
    scgi_temp_path $prefix/tmp/scgi;
    server {
        listen 127.0.0.1:$port;
        root $prefix/html;
    }
}
CONF
        log=$out_dir/startup-nginx.log
        t0=$(now_us)
        "$nginx_bin" -p "$prefix/" -c "$prefix/nginx.conf" -e "$prefix/error.log" >"$log" 2>&1 </dev/null &
        pid=$!
        pids+=("$pid")
        measure "$pid" "http://127.0.0.1:$port/index.html" "$prefix/error.log"
        forget_pid "$pid"
        cat "$prefix/error.log" >>"$log" 2>/dev/null || true
        nginx_ms+=("$ms") nginx_rss+=("$rss_kb") nginx_load+=("$load1")
        echo "nginx run $r: ${ms} ms, load $load1, $(mib "$rss_kb") MiB" >&2
    done
fi

# ---------------------------------------------------------------------------------------------
# Report
java_desc=$(awk -F'"' '/^IMPLEMENTOR=/ { i = $2 } /^JAVA_RUNTIME_VERSION=/ { v = $2 } END { print i " " v }' "$JAVA_HOME/release" 2>/dev/null || true)
[ -n "${java_desc// /}" ] || java_desc=$JAVA_HOME
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
load=$(cut -d' ' -f1-3 /proc/loadavg)
nginx_desc=""
[ -z "$nginx_bin" ] || nginx_desc=$("$nginx_bin" -v 2>&1 | sed 's#^nginx version: ##')

row() { # row LABEL MS_ARRAY_NAME RSS_ARRAY_NAME LOAD_ARRAY_NAME
    local -n msa=$2 rssa=$3 loada=$4
    local mibs=() k
    for k in "${rssa[@]}"; do mibs+=("$(mib "$k")"); done
    printf '| %s | %s ms | %s | %s MiB | %s | %s |\n' "$1" "$(median "${msa[@]}")" "$(join_slash "${msa[@]}")" \
        "$(mib "$(median "${rssa[@]}")")" "$(join_slash "${mibs[@]}")" "$(join_slash "${loada[@]}")"
}

report=$work/report.md
{
    printf '## Startup: time to first HTTP 200 and idle RSS%s\n\n' "${title:+ ($title)}"
    printf -- '- Date: %s\n' "$(date -u '+%Y-%m-%d %H:%M UTC')"
    printf -- '- Machine: %s cores (%s), load average at the end %s\n' "$(nproc)" "${cpu:-unknown CPU}" "$load"
    printf -- '- JDK: %s; TESELA_JAVA_OPTS: `%s`; start-up cache: %s\n' "$java_desc" "${TESELA_JAVA_OPTS-the launcher default}" \
        "$(if [ ! -f "${tree:-$root}/scripts/aot-cache.sh" ]; then echo 'none (this launcher makes none)'
           elif [ "${TESELA_AOT:-1}" = 0 ]; then echo 'off (TESELA_AOT=0)'; else echo 'on (target/tesela.aot)'; fi)"
    [ -z "$nginx_desc" ] || printf -- '- Reference: %s, `master_process off`, one static file\n' "$nginx_desc"
    printf -- '- %s runs each, medians; first 200 polled every 20 ms with curl; RSS = VmRSS %s s after the first 200 (idle)\n\n' "$runs" "$idle_seconds"
    printf '| Server | Time to first 200 (median) | Runs | Idle RSS (median) | Runs | Load (1 min) at the first 200 |\n'
    printf '|---|---|---|---|---|---|\n'
    [ ${#tesela_ms[@]} -eq 0 ] || row 'Tesela `./tesela serve` (H2 embedded, fresh data dir, GET /healthz)' tesela_ms tesela_rss tesela_load
    [ ${#nginx_ms[@]} -eq 0 ] || row "nginx (static file)" nginx_ms nginx_rss nginx_load
    if [ ${#tesela_ms[@]} -gt 0 ]; then
        printf '\nWhat the load does not inflate (Tesela, median; runs):\n\n'
        printf '| Server CPU to the first 200 (all threads) | Main thread on a core | Main thread waiting for a core |\n|---|---|---|\n'
        printf '| %s ms (%s) | %s ms (%s) | %s ms (%s) |\n' "$(median "${tesela_cpu[@]}")" "$(join_slash "${tesela_cpu[@]}")" \
            "$(median "${tesela_run[@]}")" "$(join_slash "${tesela_run[@]}")" "$(median "${tesela_wait[@]}")" "$(join_slash "${tesela_wait[@]}")"
    fi
    if [ ${#tesela_ms[@]} -gt 0 ] && [ ${#nginx_ms[@]} -gt 0 ]; then
        awk -v tm="$(median "${tesela_ms[@]}")" -v nm="$(median "${nginx_ms[@]}")" \
            -v tr="$(median "${tesela_rss[@]}")" -v nr="$(median "${nginx_rss[@]}")" 'BEGIN {
            printf "\nTesela / nginx: %.1fx the time to first 200, %.1fx the idle RSS.\n", tm / (nm > 0 ? nm : 1), tr / nr }'
    fi
} >"$report"

echo
cat "$report"

if [ "$write" -eq 1 ]; then
    # shellcheck source=bench/results.sh
    . "$root/bench/results.sh"
    write_results_block "$block" "$report" bench/startup.sh "$work"
fi
