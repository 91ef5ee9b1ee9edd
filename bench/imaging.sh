#!/usr/bin/env bash
# Image derivative benchmark: our engines (libvips over FFM, pure Java) vs vipsthumbnail and ImageMagick.
#
# Usage: bench/imaging.sh [--no-write]      (from any directory)
#   ITERATIONS=<n>      measured iterations per tool for the JPEG and PNG inputs (default 5)
#   GIF_ITERATIONS=<n>  measured iterations for the animated GIF (default 3)
#   WARMUP=<n>          warm-up iterations of our in-process engines before measuring (default 2; 1 for the GIF)
#
# Contract
#   - Selects a JDK 25 via scripts/java25.sh; builds with `./mvnw -Pbench test-compile` (bench/src/java into
#     target/bench/; never part of a measurement).
#   - Needs libvips 8.x (libvips42 + the vipsthumbnail CLI from libvips-tools) and ImageMagick (a real binary:
#     `magick` or /usr/bin/convert, never a wrapper script, whose start-up would be measured).
#   - Inputs, made with ImageMagick in a temp dir (not measured): photo.jpg 4000×3000 plasma + noise q90, big.png
#     4000×3000 (the same pixels), anim.gif 800×600 × 20 frames (a plasma rolled a bit per frame, 50 ms each).
#   - For each input ImagingBench makes a thumb (COVER 320×320, JPEG q82) and a medium (WITHIN 500 wide, JPEG q82;
#     for the GIF an animated GIF with all 20 frames, saved with cgif effort=1 by ours and by vipsthumbnail alike) with:
#     our VipsProcessor and JavaProcessor in one warm JVM; `vipsthumbnail -s 320x320 -c` / `-s 500` and
#     `convert -thumbnail 320x320^ -gravity center -extent 320x320` / `-resize 500x`, one process per derivative
#     (so the CLIs' figures include process start-up; the GIF thumb reads frame [0] only, as ours does).
#     Medians of the iterations in ms: wall clock per derivative, and CPU time (user + system of the JVM and of the
#     CLI processes, from /proc/self/stat) for the pair. Our outputs are checked for size and frame count.
#   - Prints a markdown table with the ratios ours/vipsthumbnail (target <= 1.3) and ImageMagick/ours (target >= 4)
#     for libvips; unless --no-write, rewrites the block between `<!-- imaging:begin -->` and `<!-- imaging:end -->`
#     in bench/RESULTS.md (appending it if missing). The raw log stays in bench/out/imaging.log (git-ignored).
#   - Removes its temp dir on exit. Exit status: 0 on success; 1 if a prerequisite, the build or a run fails.
set -euo pipefail

root=$(cd -- "$(dirname -- "$(readlink -f -- "${BASH_SOURCE[0]}")")/.." && pwd)
iterations=${ITERATIONS:-5}
gif_iterations=${GIF_ITERATIONS:-3}
warmup=${WARMUP:-2}
write=1
while [ $# -gt 0 ]; do
    case $1 in
        --no-write) write=0; shift ;;
        -h|--help) sed -n '2,7p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "imaging.sh: unknown argument: $1" >&2; exit 2 ;;
    esac
done
for v in "$iterations" "$gif_iterations"; do
    [[ $v =~ ^[1-9][0-9]*$ ]] || { echo "imaging.sh: ITERATIONS and GIF_ITERATIONS must be positive integers" >&2; exit 2; }
done
[[ $warmup =~ ^[0-9]+$ ]] || { echo "imaging.sh: WARMUP must be a non-negative integer" >&2; exit 2; }

die() { echo "imaging.sh: $*" >&2; exit 1; }

# shellcheck source=scripts/java25.sh
. "$root/scripts/java25.sh"

vipsthumbnail=$(command -v vipsthumbnail || true)
[ -n "$vipsthumbnail" ] || die "vipsthumbnail not found (Debian: apt-get install libvips-tools)"
# A real ImageMagick binary: ELF, says ImageMagick. /usr/local/bin/convert may be a stand-in script.
im=""
for candidate in "$(command -v magick || true)" /usr/bin/convert "$(command -v convert || true)"; do
    [ -n "$candidate" ] && [ -x "$candidate" ] || continue
    [ "$(head -c 4 "$(readlink -f "$candidate")" | tr -d '\0' | tail -c 3)" = "ELF" ] || continue
    "$candidate" -version 2>/dev/null | grep -q ImageMagick || continue
    im=$candidate
    break
done
[ -n "$im" ] || die "ImageMagick not found (Debian: apt-get install imagemagick)"

out_dir=$root/bench/out
mkdir -p "$out_dir"
work=$(mktemp -d "${TMPDIR:-/tmp}/tesela-imaging.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
started=$SECONDS

# ---------------------------------------------------------------------------------------------
# Build (not measured)
echo "Building with -Pbench (not part of the measurement)..." >&2
cp_file=$root/target/bench/classpath.txt
(cd "$root" && ./mvnw -B -q -Pbench test-compile dependency:build-classpath \
    -Dmdep.outputFile="$cp_file" -Dmdep.includeScope=test) >"$out_dir/imaging-build.log" 2>&1 \
    || { tail -n 40 "$out_dir/imaging-build.log" >&2; die "build failed; log: $out_dir/imaging-build.log"; }
cp="$root/target/bench/test-classes:$root/target/bench/classes:$(cat "$cp_file")"

# ---------------------------------------------------------------------------------------------
# Inputs (not measured)
echo "Making inputs with $im..." >&2
in=$work/in
mkdir -p "$in"
"$im" -size 1000x750 -seed 7 plasma:fractal -resize '4000x3000!' -attenuate 0.4 +noise Gaussian -quality 90 "$in/photo.jpg"
"$im" "$in/photo.jpg" -define png:compression-level=3 "$in/big.png"
"$im" -size 800x600 -seed 3 plasma:fractal "$work/base.png"
frames=()
for i in $(seq 0 19); do frames+=( '(' "$work/base.png" -roll "+$((i * 40))+$((i * 15))" ')' ); done
"$im" -delay 5 -loop 0 "${frames[@]}" "$in/anim.gif"

# ---------------------------------------------------------------------------------------------
# Measure
echo "Measuring (about two minutes)..." >&2
log=$out_dir/imaging.log
"$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Xshare:auto -Xmx2g -cp "$cp" \
    -Dwarmup="$warmup" -Diterations="$iterations" -DgifIterations="$gif_iterations" \
    dev.tesela.bench.ImagingBench "$in" "$work/out" "$vipsthumbnail" "$im" >"$log" 2>&1 \
    || { tail -n 40 "$log" >&2; die "benchmark failed; log: $log"; }

# ms INPUT TOOL KEY: the figure KEY= of the RESULT line for INPUT and TOOL.
ms() {
    awk -v in_="$1" -v tool="$2" -v k="$3" '/^RESULT / {
        delete kv; for (i = 2; i <= NF; i++) { split($i, p, "="); kv[p[1]] = p[2] }
        if (kv["input"] == in_ && kv["tool"] == tool) print kv[k] }' "$log" | tail -n 1
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "?" }'; }
check() { awk -v r="$1" -v t="$2" -v op="$3" 'BEGIN { ok = (op == "le") ? (r <= t) : (r >= t); print ok ? "yes" : "**no**" }'; }

# ---------------------------------------------------------------------------------------------
# Report
java_desc=$(awk -F'"' '/^IMPLEMENTOR=/ { i = $2 } /^JAVA_RUNTIME_VERSION=/ { v = $2 } END { print i " " v }' "$JAVA_HOME/release" 2>/dev/null || true)
[ -n "${java_desc// /}" ] || java_desc=$JAVA_HOME
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
load=$(cut -d' ' -f1-3 /proc/loadavg)
vips_version=$(awk -F'=' '/^ENGINE / { print $2 }' "$log" | tr '_' ' ')
im_version=$("$im" -version | head -n 1 | sed 's/^Version: //; s/ https.*//')
elapsed=$((SECONDS - started))

report=$work/report.md
{
    printf '## Image derivatives: thumb (COVER 320×320) and medium (WITHIN 500 wide)\n\n'
    printf -- '- Date: %s\n' "$(date -u '+%Y-%m-%d %H:%M UTC')"
    printf -- '- Machine: %s cores (%s), shared with other work; load average at the end %s\n' "$(nproc)" "${cpu:-unknown CPU}" "$load"
    printf -- '- JDK: %s; ours: %s over our FFM binding (one libvips thread per job) and the pure-Java engine, warm, in one JVM\n' "$java_desc" "$vips_version"
    printf -- '- References: `vipsthumbnail` (libvips CLI, default concurrency = all cores) and %s `convert`, one process per derivative: their figures include process start-up\n' "$im_version"
    printf -- '- Inputs: 12 MP JPEG (4000×3000 plasma + noise, q90), 4000×3000 PNG (same pixels), animated GIF 800×600 × 20 frames\n'
    printf -- '- Outputs: JPEG q82 stripped; the GIF medium is an animated GIF (20 frames, cgif effort=1 for ours and vipsthumbnail), the GIF thumb is its first frame\n'
    printf -- '- Medians of %s iterations (GIF: %s) after %s warm-up runs of our engines; wall clock, ms. Whole run: %d s (build and inputs included)\n\n' \
        "$iterations" "$gif_iterations" "$warmup" "$elapsed"
    printf '| Input | Derivative | ours: libvips | ours: Java | vipsthumbnail | ImageMagick | libvips / vipsthumbnail (target ≤ 1.3) | ImageMagick / libvips (target ≥ 4) |\n'
    printf '|---|---|---|---|---|---|---|---|\n'
    for input in jpeg png gif; do
        case $input in jpeg) name='12 MP JPEG' ;; png) name='4000×3000 PNG' ;; gif) name='GIF 20 frames' ;; esac
        for d in thumb medium both; do
            case $d in thumb) label='thumb' ;; medium) label='medium' ;; both) label='**both**' ;; esac
            v=$(ms "$input" vips "${d}_ms"); j=$(ms "$input" java "${d}_ms")
            c=$(ms "$input" vipsthumbnail "${d}_ms"); m=$(ms "$input" magick "${d}_ms")
            r1=$(ratio "$v" "$c"); r2=$(ratio "$m" "$v")
            printf '| %s | %s | %s | %s | %s | %s | %s (%s) | %s (%s) |\n' "$name" "$label" "$v" "$j" "$c" "$m" \
                "$r1" "$(check "$r1" 1.3 le)" "$r2" "$(check "$r2" 4 ge)"
        done
    done
    printf '\nCPU time for both derivatives (user + system of all threads, the CLIs'"'"' processes included; 10 ms resolution). '
    printf 'ImageMagick runs OpenMP threads on both cores and vipsthumbnail its default thread pool, while ours uses one libvips thread per job, so this is the per-core cost that bounds throughput:\n\n'
    printf '| Input | ours: libvips | ours: Java | vipsthumbnail | ImageMagick | libvips / vipsthumbnail | ImageMagick / libvips |\n'
    printf '|---|---|---|---|---|---|---|\n'
    for input in jpeg png gif; do
        case $input in jpeg) name='12 MP JPEG' ;; png) name='4000×3000 PNG' ;; gif) name='GIF 20 frames' ;; esac
        v=$(ms "$input" vips cpu_ms); j=$(ms "$input" java cpu_ms); c=$(ms "$input" vipsthumbnail cpu_ms); m=$(ms "$input" magick cpu_ms)
        printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$name" "$v" "$j" "$c" "$m" "$(ratio "$v" "$c")" "$(ratio "$m" "$v")"
    done
    printf '\nPer-iteration sums (thumb + medium, ms) are in bench/out/imaging.log. '
    printf 'The machine has 2 shared cores with other work on them: expect ±30-50 %% between runs.\n'
} >"$report"

echo
cat "$report"

if [ "$write" -eq 1 ]; then
    # shellcheck source=bench/results.sh
    . "$root/bench/results.sh"
    write_results_block imaging "$report" bench/imaging.sh "$work"
fi
