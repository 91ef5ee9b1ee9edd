# shellcheck shell=bash
# The JVM's ahead-of-time cache for the ./tesela launcher (JEP 483/514/515: classes loaded and linked, method
# profiles). SOURCE this file; do not execute it.
#
# Contract
#   The caller defines: root (repo root), jar (target/tesela.jar), java_opts (array: the JVM options of the launch,
#   without the cache option) and has selected a JDK 25 (JAVA_HOME). Only names prefixed with aot_ are defined.
#   - aot_cache_file: target/tesela.aot, next to the jar. aot_stamp_file: what the cache was made for.
#   - aot_cache_usable: true when the cache exists, is newer than the jar and every jar under target/lib/, and was
#     made by this JDK (its release file's JAVA_RUNTIME_VERSION) with these JVM options. A stale cache is never
#     passed to the JVM. (The JVM checks the class path again itself and, refusing a cache, starts without it:
#     -XX:AOTMode=auto is the default.)
#   - aot_cache_prepare: makes the cache when it is not usable, unless a training for this very jar, JDK and options
#     already failed (target/tesela.aot.failed: retried only when one of them changes) or another launcher is making
#     it now (target/tesela.aot.lock; a lock older than 15 minutes is taken over). Never fails the caller: every
#     problem is one line on stderr and the launch goes on without the cache. Prints two lines on stderr (start
#     and result); the training's own output goes to target/tesela.aot.log.
#   - The training run: a throwaway data dir (embedded H2, local files) under target/, loopback only, port 0, none
#     of the caller's TESELA_* settings (never the operator's database or Redis). `install` and `api-key-create` run
#     as plain JVMs; then `serve` runs with -XX:AOTCacheOutput and the launch's JVM options, and is driven with curl
#     through start-up, the health/readiness/metrics routes, the front, sign-in and upload pages, a sign-in, API v1
#     uploads of a JPEG and a PNG (scripts/aot-training/), the viewer page, and a few hundred direct file requests
#     (plain, conditional, range, HEAD); then it is stopped with SIGTERM, and the JVM writes the cache as it exits.
#     Bounded: 120 s to listen, 20 s per request, 300 s to write the cache; a process still running then is killed.
#     The new cache is checked (`-XX:AOTMode=on … version` must start) before it replaces the old one.
#   - Needs curl; without it the launch goes on without the cache.

aot_cache_file=$root/target/tesela.aot
aot_stamp_file=$root/target/tesela.aot.stamp

# What a cache is made for: the JDK build and the launch's JVM options (the jar and libs are compared by time).
aot_stamp() {
    local version
    version=$(sed -n 's/^JAVA_RUNTIME_VERSION="\(.*\)"$/\1/p' "$JAVA_HOME/release" 2>/dev/null || true)
    printf 'jdk=%s %s\nopts=%s\n' "$JAVA_HOME" "${version:-unknown}" "${java_opts[*]}"
}

aot_cache_usable() {
    [ -s "$aot_cache_file" ] && [ "$aot_cache_file" -nt "$jar" ] || return 1
    [ -z "$(find "$root/target/lib" -newer "$aot_cache_file" -print -quit 2>/dev/null)" ] || return 1
    [ -f "$aot_stamp_file" ] && [ "$(cat "$aot_stamp_file")" = "$(aot_stamp)" ]
}

aot_cache_prepare() {
    aot_cache_usable && return 0
    local failed=$aot_cache_file.failed lock=$aot_cache_file.lock
    if [ -f "$failed" ] && [ "$failed" -nt "$jar" ] && [ "$(cat "$failed")" = "$(aot_stamp)" ]; then
        return 0 # this training failed before; the launch goes on without the cache
    fi
    command -v curl >/dev/null 2>&1 || { echo "tesela: no start-up cache (curl is needed to make it)" >&2; return 0; }
    if [ -d "$lock" ] && [ -n "$(find "$lock" -maxdepth 0 -mmin +15 2>/dev/null)" ]; then
        rm -rf "$lock"
    fi
    mkdir "$lock" 2>/dev/null || return 0 # another launcher is making it
    echo "Making the start-up cache (once per build, about a minute; TESELA_AOT=0 skips it)..." >&2
    local started=$SECONDS status=0
    # In the background and then waited for: a subshell tested by `if` or `&&` would run with `set -e` ignored.
    # (A background job ignores SIGINT, so an interrupted launcher stops the training itself.)
    (aot_train) >"$aot_cache_file.log" 2>&1 &
    aot_training=$!
    trap 'kill -TERM "$aot_training" 2>/dev/null; wait "$aot_training"; rm -rf "$lock"; exit 130' INT
    trap 'kill -TERM "$aot_training" 2>/dev/null; wait "$aot_training"; rm -rf "$lock"; exit 143' TERM
    wait "$aot_training" || status=$?
    trap - INT TERM
    if [ "$status" -eq 0 ]; then
        rm -f "$failed"
        echo "Start-up cache ready ($(( $(stat -c %s "$aot_cache_file") / 1048576 )) MiB, $((SECONDS - started)) s)." >&2
    else
        aot_stamp >"$failed"
        echo "tesela: could not make the start-up cache (see $aot_cache_file.log); starting without it" >&2
    fi
    rm -rf "$lock"
    return 0
}

# Runs in a subshell: its own traps and exit status (0 = a checked cache is in place).
aot_train() {
    set -euo pipefail
    # Not local: the EXIT trap runs after this function has returned.
    aot_work=$(mktemp -d "$root/target/aot-training.XXXXXX")
    aot_pid=""
    local work=$aot_work data log port key password out url viewer path name i
    trap 'aot_stop "$aot_pid"; rm -rf "$aot_work" "$aot_cache_file.new" "$aot_cache_file.new.config"' EXIT
    trap 'exit 143' TERM
    data=$work/data
    mkdir -p "$data"
    log=$work/serve.log
    aot_env=(env)
    while IFS= read -r name; do aot_env+=(-u "$name"); done < <(compgen -e | grep '^TESELA_' || true)
    aot_env+=(TESELA_DATA_DIR="$data" TESELA_HTTP_HOST=127.0.0.1 TESELA_HTTP_PORT=0 TESELA_LOG_LEVEL=INFO)
    local java=("$JAVA_HOME/bin/java" "${java_opts[@]}" --enable-native-access=ALL-UNNAMED)

    password=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
    "${aot_env[@]}" "${java[@]}" -jar "$jar" install -u trainer -e trainer@example.invalid -x "$password" </dev/null
    out=$("${aot_env[@]}" "${java[@]}" -jar "$jar" api-key-create -u trainer -n training </dev/null)
    key=$(printf '%s\n' "$out" | awk 'NF { last = $0 } END { print last }')
    [ -n "$key" ] || { echo "api-key-create printed no key"; return 1; }

    rm -f "$aot_cache_file.new"
    "${aot_env[@]}" "${java[@]}" -XX:AOTCacheOutput="$aot_cache_file.new" -jar "$jar" serve >"$log" 2>&1 </dev/null &
    aot_pid=$!
    port=""
    for ((i = 0; i < 1200; i++)); do
        port=$(sed -n 's#.*listening on http://[^ ]*:\([0-9][0-9]*\) .*#\1#p' "$log" | head -n 1)
        [ -n "$port" ] && break
        kill -0 "$aot_pid" 2>/dev/null || { cat "$log"; echo "serve exited before listening"; return 1; }
        sleep 0.1
    done
    [ -n "$port" ] || { cat "$log"; echo "serve did not listen within 120 s"; return 1; }
    local base=http://127.0.0.1:$port jar_cookies=$work/cookies
    # aot_get URL...: bodies dropped, one status line per request in the log.
    aot_get() { curl -sS --max-time 20 -w '%{stderr}%{http_code} %{method} %{url_effective}\n' "$@" >/dev/null; }

    aot_get "$base/healthz?n=[1-50]" "$base/readyz" "$base/metrics" "$base/static/tesela.css" "$base/static/upload.js"
    aot_get -c "$jar_cookies" -b "$jar_cookies" "$base/" "$base/login" "$base/powered-by" "$base/no-such-page"
    local token
    token=$(curl -sS --max-time 20 -c "$jar_cookies" -b "$jar_cookies" "$base/login" \
        | sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' | head -n 1)
    aot_get -c "$jar_cookies" -b "$jar_cookies" --data-urlencode "csrf_token=$token" --data-urlencode login=trainer \
        --data-urlencode "password=not-$password" "$base/login"
    aot_get -c "$jar_cookies" -b "$jar_cookies" --data-urlencode "csrf_token=$token" --data-urlencode login=trainer \
        --data-urlencode "password=$password" "$base/login"
    aot_get -c "$jar_cookies" -b "$jar_cookies" "$base/" "$base/upload"
    for name in gradient.jpg gradient.png; do
        out=$(curl -sS --max-time 60 -H "X-API-Key: $key" -F format=json \
            -F "source=@$root/scripts/aot-training/$name" "$base/api/1/upload")
        url=$(printf '%s' "$out" | sed -n 's/.*"url":"\([^"]*\)".*/\1/p' | head -n 1)
        viewer=$(printf '%s' "$out" | sed -n 's/.*"url_viewer":"\([^"]*\)".*/\1/p' | head -n 1)
        [ -n "$url" ] && [ -n "$viewer" ] || { echo "upload of $name failed: $out"; return 1; }
        path=${url#http*://*/}
        aot_get -b "$jar_cookies" "$base/${viewer#http*://*/}" "$base/${viewer#http*://*/}"
        aot_get "$base/$path?n=[1-300]"
        aot_get -H 'Range: bytes=0-99' "$base/$path?n=[1-20]"
        aot_get -H 'If-None-Match: "x"' -H 'If-Modified-Since: Thu, 01 Jan 2099 00:00:00 GMT' "$base/$path?n=[1-20]"
        aot_get -I "$base/$path"
    done
    aot_get "$base/images/2000/01/01/missing.jpg" "$base/image/none"

    kill -TERM "$aot_pid"
    for ((i = 0; i < 3000; i++)); do
        kill -0 "$aot_pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$aot_pid" 2>/dev/null; then
        echo "serve did not finish writing the cache within 300 s"
        return 1
    fi
    wait "$aot_pid" || true
    aot_pid=""
    cat "$log"
    [ -s "$aot_cache_file.new" ] || { echo "the JVM wrote no cache"; return 1; }
    # The JVM must accept the new cache (AOTMode=on fails instead of starting without it).
    "${aot_env[@]}" "$JAVA_HOME/bin/java" "${java_opts[@]}" -XX:AOTCache="$aot_cache_file.new" -XX:AOTMode=on \
        --enable-native-access=ALL-UNNAMED -jar "$jar" version </dev/null
    mv -f "$aot_cache_file.new" "$aot_cache_file"
    aot_stamp >"$aot_stamp_file"
}

# aot_stop PID: TERM, 15 s, then KILL. Never fails.
aot_stop() {
    local pid=$1 i
    [ -n "$pid" ] || return 0
    kill -TERM "$pid" 2>/dev/null || return 0
    for ((i = 0; i < 150; i++)); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
}
