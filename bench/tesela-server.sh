# shellcheck shell=bash
# Sourced by bench/serving.sh and bench/upload.sh (not executable): starts one Tesela on loopback with a fresh
# data directory, an administrator and an API key.
#
# Contract
#   The caller has `set -euo pipefail`, sourced scripts/java25.sh, and defines: root (repo root), work (its temp
#   dir, removed by the caller), out_dir (bench/out), the array pids (every PID in it is stopped by the caller's
#   exit trap with stop_pid) and die MESSAGE.
#   The caller may define tesela_root: the Tesela checkout whose ./tesela runs (default: root), e.g. an export of an
#     earlier commit for a before/after comparison.
#   - build_tesela_if_stale: runs `./tesela version` once, so that the launcher builds the jar and makes its start-up
#     cache (target/tesela.aot) when either is missing or stale: neither is ever part of a measurement.
#   - free_port: a TCP port nothing listens on at 127.0.0.1 (never the same twice).
#   - stop_pid PID: TERM, up to 15 s, then KILL; reaps it; never fails.
#   - tesela_start LOG [SETTING=VALUE...]: fresh data dir $work/tesela-data, `install` (admin, random password),
#     each `setting-update`, `api-key-create`, then `./tesela serve` on 127.0.0.1:<free port>, waiting up to
#     120 s for GET /healthz = 200. Only TESELA_JAVA_OPTS and TESELA_AOT survive from the caller's TESELA_* variables.
#     Sets tesela_pid (the JVM: the launcher execs it), tesela_port, tesela_base (http://127.0.0.1:<port>),
#     tesela_key (the admin's API key). Server output goes to LOG. When the caller defines the array
#     tesela_extra_env (NAME=VALUE...), every ./tesela call gets those too (bench/soak.sh: its database and Redis).
#   - proc_cpu_ticks PID: user+system CPU time of PID in clock ticks (see getconf CLK_TCK).
#   - rss_kb PID: VmRSS of PID in KiB.

build_tesela_if_stale() {
    local name args=()
    while IFS= read -r name; do
        [ "$name" = TESELA_JAVA_OPTS ] || [ "$name" = TESELA_AOT ] || args+=(-u "$name")
    done < <(compgen -e | grep '^TESELA_' || true)
    echo "Preparing Tesela: build and start-up cache when stale (not part of the measurement)..." >&2
    env "${args[@]}" "${tesela_root:-$root}/tesela" version >/dev/null </dev/null || die "./tesela version failed"
}

_used_ports=" "
free_port() {
    local p i
    for ((i = 0; i < 200; i++)); do
        p=$((20000 + RANDOM % 30000))
        [[ $_used_ports == *" $p "* ]] && continue
        if ! (: <"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
            _used_ports+="$p "
            printf '%s' "$p"
            return 0
        fi
    done
    die "no free loopback port found"
}

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

proc_cpu_ticks() {
    # Fields 14 and 15 of /proc/PID/stat (utime, stime); the command name (field 2) may contain spaces.
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || { printf '0'; return 0; }
    stat=${stat##*) }
    awk '{ print $12 + $13 }' <<<"$stat"
}

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || true; }

# The environment of every ./tesela call: only TESELA_JAVA_OPTS and TESELA_AOT from the caller, plus the given settings.
_tesela_env() {
    local name
    _tesela_env_args=()
    while IFS= read -r name; do
        [ "$name" = TESELA_JAVA_OPTS ] || [ "$name" = TESELA_AOT ] || _tesela_env_args+=(-u "$name")
    done < <(compgen -e | grep '^TESELA_' || true)
    _tesela_env_args+=(TESELA_HTTP_HOST=127.0.0.1 TESELA_HTTP_PORT="$tesela_port" TESELA_DATA_DIR="$tesela_data"
        TESELA_HOSTNAME="127.0.0.1:$tesela_port")
    if [ -n "${tesela_extra_env+set}" ]; then
        _tesela_env_args+=("${tesela_extra_env[@]}")
    fi
}

tesela_cli() {
    env "${_tesela_env_args[@]}" "${tesela_root:-$root}/tesela" "$@" </dev/null
}

tesela_start() {
    local log=$1 setting password out code deadline
    shift
    tesela_port=$(free_port)
    tesela_data=$work/tesela-data
    rm -rf "$tesela_data"
    mkdir -p "$tesela_data"
    tesela_base=http://127.0.0.1:$tesela_port
    _tesela_env
    password=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
    tesela_cli install -u admin -e admin@example.com -x "$password" >"$log" 2>&1 \
        || { tail -n 30 "$log" >&2; die "tesela install failed; log: $log"; }
    for setting in "$@"; do
        tesela_cli setting-update -k "${setting%%=*}" -v "${setting#*=}" >>"$log" 2>&1 \
            || { tail -n 30 "$log" >&2; die "tesela setting-update $setting failed; log: $log"; }
    done
    out=$(tesela_cli api-key-create -u admin -n bench 2>>"$log") || { tail -n 30 "$log" >&2; die "api-key-create failed; log: $log"; }
    tesela_key=$(printf '%s\n' "$out" | awk 'NF { last = $0 } END { print last }')
    [ -n "$tesela_key" ] || die "api-key-create printed no key; log: $log"
    env "${_tesela_env_args[@]}" "${tesela_root:-$root}/tesela" serve >>"$log" 2>&1 </dev/null &
    tesela_pid=$!
    pids+=("$tesela_pid")
    deadline=$((SECONDS + 120))
    while [ "$SECONDS" -lt "$deadline" ]; do
        code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$tesela_base/healthz" 2>/dev/null) || true
        [ "$code" = 200 ] && return 0
        kill -0 "$tesela_pid" 2>/dev/null || { tail -n 40 "$log" >&2; die "tesela serve exited early; log: $log"; }
        sleep 0.02
    done
    tail -n 40 "$log" >&2
    die "tesela serve gave no 200 on /healthz within 120 s; log: $log"
}
