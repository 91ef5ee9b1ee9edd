#!/usr/bin/env bash
# API v1 upload throughput on loopback: POST /api/1/upload with ~1 MP and 12 MP JPEGs at concurrency 1, 2 and 4,
# next to the time vipsthumbnail needs to make the same thumb + medium (the processing floor).
#
# Usage: bench/upload.sh [--no-write]      (from any directory)
#   SMALL_FILES=<n> distinct ~1 MP files (default 40)   LARGE_FILES=<n> distinct 12 MP files (default 12)
#   LEVELS="<c> ..." concurrency levels (default "1 2 4")
#
# Contract
#   - Prerequisites: JDK 25 (scripts/java25.sh), curl, ImageMagick's convert, vips and vipsthumbnail
#     (apt-get install imagemagick libvips-tools; .ci/run installs them). Exit 1 when one is missing, Tesela exits early, or any upload
#     is not answered 200 with "status_code":200.
#   - Images, made fresh each run (not measured): one 4600x3450 plasma+noise canvas (ImageMagick, fixed seed), then
#     distinct crops of it saved as JPEG quality 90 by vips: SMALL_FILES of 1152x864 (~1 MP) and LARGE_FILES of
#     4000x3000 (12 MP) at different offsets, plus 30 + 2 more for the warm-up. Every file differs in its pixels
#     (sizes like camera JPEGs: ~350 KiB and ~4 MiB).
#   - Tesela: builds target/tesela.jar when stale (never measured); fresh temp data dir (embedded H2, local files),
#     `install`, `setting-update enable_duplicate_uploads 1` (each level uploads the same files again), the admin's
#     API key, `./tesela serve` on 127.0.0.1:<free port> (bench/tesela-server.sh); image workers = the default (cores).
#   - Load: bench/src/java/dev/tesela/bench/UploadLoad.java (JDK only, compiled with javac into the temp dir): every
#     file of a set once, CONCURRENCY requests in flight, multipart `key` + `source`, bodies built in memory before
#     the clock starts. Unmeasured warm-up first (32 uploads, concurrency 2). Then for 1 MP and 12 MP, each level of
#     LEVELS: uploads/s (files / wall time), p50/p95/max latency, Tesela's CPU per upload (/proc/PID/stat), the
#     1-minute load average at the end, and the CPU other processes took meanwhile (busy CPU from /proc/stat minus
#     Tesela's and the load tool's; out of nproc x 100 %). Tesela, the load tool and vipsthumbnail share the cores.
#   - Floor: with VIPS_CONCURRENCY=1 (as Tesela runs libvips: one thread per job), `vipsthumbnail` over the same
#     files making what Tesela makes by default: thumb 320x320 cover-crop (centre) and medium 500 px wide, JPEG Q 82,
#     stripped; one process per size for all files (so process start-up is paid twice, not per file); once
#     sequentially (1 worker) and once split in two halves run in parallel (2 workers = Tesela's default on 2 cores).
#   - Prints a markdown table and, unless --no-write, rewrites the block `upload` of bench/RESULTS.md. Server log
#     and load-tool output stay in bench/out/ (git-ignored). Every process it starts is stopped on exit (TERM, then
#     KILL after 15 s); temp dirs (images, data) are removed. With the defaults the whole run takes ~2-3 minutes.
set -euo pipefail

root=$(cd -- "$(dirname -- "$(readlink -f -- "${BASH_SOURCE[0]}")")/.." && pwd)
small_files=${SMALL_FILES:-40}
large_files=${LARGE_FILES:-12}
levels=${LEVELS:-1 2 4}
write=1
while [ $# -gt 0 ]; do
    case $1 in
        --no-write) write=0; shift ;;
        -h|--help) sed -n '2,7p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "upload.sh: unknown argument: $1" >&2; exit 2 ;;
    esac
done
for v in small_files large_files; do
    [[ ${!v} =~ ^[1-9][0-9]*$ ]] || { echo "upload.sh: ${v^^} must be a positive integer" >&2; exit 2; }
done
for c in $levels; do [[ $c =~ ^[1-9][0-9]*$ ]] || { echo "upload.sh: LEVELS must be positive integers" >&2; exit 2; }; done

die() { echo "upload.sh: $*" >&2; exit 1; }
for tool in curl vips vipsthumbnail; do command -v "$tool" >/dev/null || die "$tool is required"; done
convert -version 2>/dev/null | grep -q ImageMagick || die "ImageMagick's convert is required (apt-get install imagemagick)"

# shellcheck source=scripts/java25.sh
. "$root/scripts/java25.sh"

out_dir=$root/bench/out
mkdir -p "$out_dir"
work=$(mktemp -d "${TMPDIR:-/tmp}/tesela-upload.XXXXXX")
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
mkdir -p "$work/classes"
"$JAVA_HOME/bin/javac" -d "$work/classes" "$root/bench/src/java/dev/tesela/bench/UploadLoad.java" || die "javac UploadLoad failed"

# ---------------------------------------------------------------------------------------------
# Images (distinct crops of one canvas)
echo "Making the test images..." >&2
img=$work/images
mkdir -p "$img"
convert -seed 11 -size 4600x3450 plasma: -attenuate 0.1 +noise Gaussian -depth 8 "$img/canvas.ppm"
vips copy "$img/canvas.ppm" "$img/canvas.v"
rm -f "$img/canvas.ppm"
# crop_set NAME COUNT WIDTH HEIGHT: COUNT crops at distinct offsets into $img/NAME-<i>.jpg, listed in $img/NAME.txt.
crop_set() {
    local name=$1 count=$2 w=$3 h=$4 i x y
    : >"$img/$name.txt"
    for ((i = 0; i < count; i++)); do
        x=$(((i * 211 + 17) % (4600 - w + 1)))
        y=$(((i * 97 + 5) % (3450 - h + 1)))
        vips crop "$img/canvas.v" "$img/$name-$i.jpg[Q=90]" "$x" "$y" "$w" "$h"
        printf '%s\n' "$img/$name-$i.jpg" >>"$img/$name.txt"
    done
}
crop_set small "$small_files" 1152 864
crop_set large "$large_files" 4000 3000
crop_set warm-small 30 1152 864
crop_set warm-large 2 4000 3000
cat "$img/warm-small.txt" "$img/warm-large.txt" >"$img/warm.txt"
rm -f "$img/canvas.v"
avg_kib() { xargs stat -c %s <"$1" | awk '{ s += $1 } END { printf "%.0f", s / NR / 1024 }'; }
small_kib=$(avg_kib "$img/small.txt")
large_kib=$(avg_kib "$img/large.txt")

# ---------------------------------------------------------------------------------------------
# Tesela
echo "Starting Tesela..." >&2
tesela_log=$out_dir/upload-tesela.log
tesela_start "$tesela_log" enable_duplicate_uploads=1
upload_url=$tesela_base/api/1/upload
clk_tck=$(getconf CLK_TCK)
ncpu=$(nproc)
busy_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat; }
child_ticks() { local s; s=$(cat /proc/$$/stat); s=${s##*) }; awk '{ print $14 + $15 }' <<<"$s"; }
result() { awk -v k="$2" '/^RESULT / { for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == k) print kv[2] } }' "$1" | tail -n 1; }

# load SET CONCURRENCY OUT: one UploadLoad run; sets per_second p50 p95 max_ms cpu_per_upload load1 others.
load() {
    local set=$1 c=$2 out=$3 b0 b1 s0 s1 c0 c1 seconds files
    b0=$(busy_ticks) s0=$(proc_cpu_ticks "$tesela_pid") c0=$(child_ticks)
    timeout 300 "$JAVA_HOME/bin/java" -cp "$work/classes" dev.tesela.bench.UploadLoad "$upload_url" "$tesela_key" "$c" "$img/$set.txt" \
        >"$out" 2>&1 || { cat "$out" >&2; tail -n 30 "$tesela_log" >&2; die "uploads of $set at concurrency $c failed"; }
    b1=$(busy_ticks) s1=$(proc_cpu_ticks "$tesela_pid") c1=$(child_ticks)
    kill -0 "$tesela_pid" 2>/dev/null || die "Tesela died; log: $tesela_log"
    per_second=$(result "$out" per_second) p50=$(result "$out" p50_ms) p95=$(result "$out" p95_ms) max_ms=$(result "$out" max_ms)
    seconds=$(result "$out" seconds) files=$(result "$out" files)
    [ -n "$per_second" ] || { cat "$out" >&2; die "no RESULT line in $out"; }
    cpu_per_upload=$(awk -v t=$((s1 - s0)) -v hz="$clk_tck" -v n="$files" 'BEGIN { printf "%.0f", t * 1000 / hz / n }')
    others=$(awk -v b=$((b1 - b0)) -v s=$((s1 - s0)) -v c=$((c1 - c0)) -v hz="$clk_tck" -v d="$seconds" \
        'BEGIN { o = (b - s - c) / hz / d * 100; printf "%.0f", o < 0 ? 0 : o }')
    load1=$(cut -d' ' -f1 /proc/loadavg)
}

echo "Warm-up: 32 uploads at concurrency 2 (not counted)..." >&2
load warm 2 "$out_dir/upload-warmup.txt"

rows=()
declare -A rate
rss_peak=0
for set in small large; do
    label="~1 MP (1152x864, avg ${small_kib} KiB)"
    [ "$set" = large ] && label="12 MP (4000x3000, avg ${large_kib} KiB)"
    for c in $levels; do
        load "$set" "$c" "$out_dir/upload-$set-c$c.txt"
        rate[$set-$c]=$per_second
        r=$(rss_kb "$tesela_pid"); [ "${r:-0}" -gt "$rss_peak" ] && rss_peak=$r
        rows+=("| $label | $c | $per_second | $p50 ms | $p95 ms | $max_ms ms | $cpu_per_upload ms | $load1 | $others % |")
        echo "  $set c=$c: $per_second uploads/s, p50 $p50 ms, p95 $p95 ms, CPU $cpu_per_upload ms/upload, load $load1, others $others %" >&2
    done
done
tesela_rss_end=$(rss_kb "$tesela_pid")
stop_pid "$tesela_pid"

# ---------------------------------------------------------------------------------------------
# Floor: vipsthumbnail thumb + medium for the same files
# thumbs LIST OUTDIR: thumb then medium of every file of LIST, one vipsthumbnail process per size.
thumbs() {
    mkdir -p "$2"
    xargs -a "$1" vipsthumbnail -s 320x320 -m centre -o "$2/%s.th.jpg[Q=82,strip]"
    xargs -a "$1" vipsthumbnail -s 500x -o "$2/%s.md.jpg[Q=82,strip]"
}
now_ms() { local t=${EPOCHREALTIME//[!0-9]/}; printf '%s' "$(((10#$t) / 1000))"; }
declare -A floor_ms floor_rate2
export VIPS_CONCURRENCY=1
for set in small large; do
    n=$(wc -l <"$img/$set.txt")
    t0=$(now_ms)
    thumbs "$img/$set.txt" "$work/floor-$set-1"
    t1=$(now_ms)
    floor_ms[$set]=$(awk -v t=$((t1 - t0)) -v n="$n" 'BEGIN { printf "%.0f", t / n }')
    split -n l/2 "$img/$set.txt" "$work/half-$set-"
    t0=$(now_ms)
    thumbs "$work/half-$set-aa" "$work/floor-$set-2a" &
    pa=$!
    pids+=("$pa")
    thumbs "$work/half-$set-ab" "$work/floor-$set-2b" &
    pb=$!
    pids+=("$pb")
    wait "$pa" || die "vipsthumbnail failed"
    wait "$pb" || die "vipsthumbnail failed"
    t1=$(now_ms)
    floor_rate2[$set]=$(awk -v t=$((t1 - t0)) -v n="$n" 'BEGIN { printf "%.2f", n / (t / 1000) }')
    [ "$(find "$work/floor-$set-1" -name '*.jpg' | wc -l)" -eq $((2 * n)) ] || die "vipsthumbnail made too few files"
    echo "  floor $set: ${floor_ms[$set]} ms per image (1 worker), ${floor_rate2[$set]} images/s (2 workers)" >&2
done

# ---------------------------------------------------------------------------------------------
# Report
java_desc=$(awk -F'"' '/^IMPLEMENTOR=/ { i = $2 } /^JAVA_RUNTIME_VERSION=/ { v = $2 } END { print i " " v }' "$JAVA_HOME/release" 2>/dev/null || true)
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
engine=$(sed -n 's/.*, images: \(.*\)), started in .*/\1)/p' "$tesela_log" | head -n 1)
elapsed=$((SECONDS - started))
pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", (b > 0 ? a / b * 100 : 0) }'; }
report=$work/report.md
{
    printf '## Uploads: API v1 (POST /api/1/upload, multipart) on loopback, next to vipsthumbnail\n\n'
    printf -- '- Date: %s; whole run %d s (image making and build included)\n' "$(date -u '+%Y-%m-%d %H:%M UTC')" "$elapsed"
    printf -- '- Machine: %s cores (%s), shared with other work: load average %s at the start, %s at the end\n' \
        "$ncpu" "${cpu:-unknown CPU}" "$load_start" "$(cut -d' ' -f1-3 /proc/loadavg)"
    printf -- '- JDK: %s; TESELA_JAVA_OPTS: `%s`; Tesela on embedded H2 + local files, fresh data dir, image engine %s, image workers = %s (default: cores)\n' \
        "$java_desc" "${TESELA_JAVA_OPTS-the launcher default}" "${engine:-?}" "$ncpu"
    printf -- '- Files: %s distinct ~1 MP and %s distinct 12 MP JPEGs (crops of one plasma+noise canvas, Q 90); each level uploads the same set (duplicates allowed); admin API key; the load tool (UploadLoad.java, one JVM) runs on the same cores. Unmeasured warm-up: 32 uploads\n' \
        "$small_files" "$large_files"
    printf -- '- CPU/upload = Tesela'"'"'s user+system CPU per upload. Others = CPU taken by other processes during the level (out of %s %%)\n\n' "$((ncpu * 100))"
    printf '| Files | Concurrency | Uploads/s | p50 | p95 | max | CPU/upload | Load (1 min, end) | Others |\n'
    printf '|---|---|---|---|---|---|---|---|---|\n'
    printf '%s\n' "${rows[@]}"
    printf '\nProcessing floor, `vipsthumbnail` (libvips %s, VIPS_CONCURRENCY=1) making thumb 320x320 centre-crop + medium 500 px wide, Q 82, stripped, for the same files:\n\n' \
        "$(vips --version | sed 's/^vips-//')"
    printf '| Files | 1 worker: ms per image | 1 worker: images/s | 2 workers: images/s | Tesela at concurrency 1 / floor | Tesela at best concurrency / 2-worker floor |\n'
    printf '|---|---|---|---|---|---|\n'
    for set in small large; do
        label="~1 MP"; [ "$set" = large ] && label="12 MP"
        one=$(awk -v m="${floor_ms[$set]}" 'BEGIN { printf "%.2f", (m > 0 ? 1000 / m : 0) }')
        best=0
        for c in $levels; do best=$(awk -v a="$best" -v b="${rate[$set-$c]}" 'BEGIN { print (b > a ? b : a) }'); done
        first=${levels%% *}
        printf '| %s | %s ms | %s | %s | %s %% | %s %% |\n' "$label" "${floor_ms[$set]}" "$one" "${floor_rate2[$set]}" \
            "$(pct "${rate[$set-$first]}" "$one")" "$(pct "$best" "${floor_rate2[$set]}")"
    done
    printf '\nTesela RSS: %s MiB at the end of the load (highest seen between levels %s MiB). The floor covers only the two resizes: an upload also receives and hashes the file, sniffs and checks it, reads its metadata, strips the original, stores three files and writes the database row.\n' \
        "$(awk -v k="${tesela_rss_end:-0}" 'BEGIN { printf "%.0f", k / 1024 }')" "$(awk -v k="$rss_peak" 'BEGIN { printf "%.0f", k / 1024 }')"
} >"$report"

echo
cat "$report"

if [ "$write" -eq 1 ]; then
    # shellcheck source=bench/results.sh
    . "$root/bench/results.sh"
    write_results_block upload "$report" bench/upload.sh "$work"
fi
