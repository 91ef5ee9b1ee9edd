# Sourced by the bench scripts. write_results_block NAME REPORT SCRIPT TMPDIR rewrites the block between
# `<!-- NAME:begin -->` and `<!-- NAME:end -->` in bench/RESULTS.md with the contents of REPORT (appending the
# block if the markers are missing, creating the file with its header if absent). Other blocks are left alone.
write_results_block() {
    local name=$1 report=$2 script=$3 work=$4
    local results begin end tmp
    results=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)/RESULTS.md
    begin="<!-- $name:begin -->"
    end="<!-- $name:end -->"
    if [ ! -f "$results" ]; then
        cat >"$results" <<'HEAD'
# Tesela benchmark results

Figures come from the development machine: 2 shared cores on which other work runs at the same
time, so they are noisy (expect ±30-50 %). Compare the ratios to the reference tool measured in
the same run, not absolute numbers across runs. Each section is rewritten by the script named in it.
HEAD
    fi
    tmp=$work/RESULTS.md
    if grep -qxF "$begin" "$results" && grep -qxF "$end" "$results" \
        && [ "$(grep -nxF "$begin" "$results" | head -n 1 | cut -d: -f1)" -lt "$(grep -nxF "$end" "$results" | tail -n 1 | cut -d: -f1)" ]; then
        awk -v b="$begin" -v e="$end" -v rep="$report" -v by="$script" '
            $0 == b && !done { print; print "<!-- written by " by "; do not edit by hand -->";
                               while ((getline l < rep) > 0) print l; skip = 1; next }
            $0 == e && skip  { skip = 0; done = 1 }
            !skip { print }' "$results" >"$tmp"
    else
        { cat "$results"; printf '\n%s\n<!-- written by %s; do not edit by hand -->\n' "$begin" "$script"
          cat "$report"; printf '%s\n' "$end"; } >"$tmp"
    fi
    cat "$tmp" >"$results"
    echo "Updated $results" >&2
}
