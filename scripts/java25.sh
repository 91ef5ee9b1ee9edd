# shellcheck shell=bash
# Selects a JDK 25 for Tesela. SOURCE this file (`. scripts/java25.sh`); do not execute it.
#
# Contract
#   On success: exports JAVA_HOME (a JDK whose major version is >= 25 and that has bin/java and
#   bin/javac), puts "$JAVA_HOME/bin" first on PATH, prints nothing, returns 0.
#   On failure: prints one error line to stderr and returns 1 (exits 1 if executed instead of sourced).
#   Order of choice:
#     1. $JAVA_HOME as given, if its `release` file's JAVA_VERSION (or, without one, its `bin/java -version`)
#        says major >= 25;
#     2. else a JDK under /usr/lib/jvm/*/ whose `release` file has JAVA_VERSION="<major>...", major >= 25,
#        ranked: major exactly 25 before newer, Temurin before other vendors, then highest version.
#   Why: the machine's default `java` is 17 and apt offers no newer JDK, so every script must pick
#   the Temurin 25 JDK explicitly (STACK.md gotchas 3 and 25).
#
# Deliberately no `set -euo pipefail` here: shell options set in a sourced file leak into the caller
# (an interactive shell would then exit on its first failing command). The code below is written to
# be safe under `set -euo pipefail`, which all of Tesela's own scripts set before sourcing it.
# Only names prefixed with _tesela_ are defined, and they are unset again before returning.

# Prints the major version (e.g. 25; 8 for "1.8.0") that a java binary reports, or nothing.
_tesela_java_major() {
    local out ver
    # No pipe into grep: under pipefail an early-exiting grep could make the pipeline "fail".
    out=$("$1" -version 2>&1) || return 0
    [[ $out =~ \ version\ \"([^\"]*)\" ]] || return 0
    ver=${BASH_REMATCH[1]}
    case $ver in
        1.*) ver=${ver#1.} ;;
    esac
    ver=${ver%%[!0-9]*}
    printf '%s' "$ver"
}

# Prints the JAVA_VERSION value (e.g. 25.0.3) of a JDK's release file, or nothing.
_tesela_release_version() {
    local line
    [ -r "$1/release" ] || return 0
    while IFS= read -r line || [ -n "$line" ]; do
        case $line in
            JAVA_VERSION=*) line=${line#JAVA_VERSION=}; printf '%s' "${line//\"/}"; return 0 ;;
        esac
    done < "$1/release"
}

_tesela_select_java25() {
    local major cand ver rank best="" best_key="" key dir part i
    local -a parts
    if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ] && [ -x "$JAVA_HOME/bin/javac" ]; then
        # The release file when there is one: running `java -version` costs every launch a JVM start (~50-100 ms).
        major=$(_tesela_release_version "$JAVA_HOME")
        major=${major%%[!0-9]*}
        [ -n "$major" ] || major=$(_tesela_java_major "$JAVA_HOME/bin/java")
        if [ -n "$major" ] && [ "$major" -ge 25 ]; then
            best=$JAVA_HOME
        fi
    fi
    if [ -z "$best" ]; then
        for dir in /usr/lib/jvm/*/; do
            cand=${dir%/}
            [ -x "$cand/bin/java" ] && [ -x "$cand/bin/javac" ] || continue
            ver=$(_tesela_release_version "$cand")
            major=${ver%%[!0-9]*}
            [ -n "$major" ] && [ "$major" -ge 25 ] || continue
            # Sort key (smallest wins): <0 if major is exactly 25, else 1><0 if Temurin, else 1>
            # then up to four version parts, each as 999999-part so that higher versions sort first.
            rank=1; [ "$major" -eq 25 ] && rank=0
            case ${cand##*/} in *temurin*) rank+=0 ;; *) rank+=1 ;; esac
            IFS=. read -r -a parts <<< "${ver//[!0-9]/.}"
            key=$rank
            for i in 0 1 2 3; do
                printf -v part '%06d' $((999999 - 10#${parts[i]:-0}))
                key+=$part
            done
            # shellcheck disable=SC2071  # intended: keys are fixed-width digit strings
            if [ -z "$best_key" ] || [[ $key < $best_key ]]; then
                best=$cand
                best_key=$key
            fi
        done
    fi
    if [ -z "$best" ]; then
        echo "Tesela needs a JDK 25: set JAVA_HOME to one, or install Temurin 25 under /usr/lib/jvm" >&2
        return 1
    fi
    export JAVA_HOME=$best
    case ":${PATH:-}:" in
        ":$JAVA_HOME/bin:"*) ;;
        *) export PATH="$JAVA_HOME/bin${PATH:+:$PATH}" ;;
    esac
}

if _tesela_select_java25; then
    unset -f _tesela_java_major _tesela_release_version _tesela_select_java25
else
    unset -f _tesela_java_major _tesela_release_version _tesela_select_java25
    # `return` works when sourced; when executed it fails and we exit instead.
    return 1 2>/dev/null || exit 1
fi
