#!/usr/bin/env bash
# Scaling benchmark: synthetic JSONL corpora of several sizes (made once,
# cached in bench-data/), `textsieve clean` with 2 threads unbounded and
# under a memory bound, under /usr/bin/time -v: wall time, MB/s, peak RSS,
# bytes spilled and the most spill bytes on disk at once.
# Usage: benches/scale.sh [BOUND] [SIZE...]     (default 1GB 500MB 2GB 8GB)
set -euo pipefail
cd "$(dirname "$0")/.."

BOUND=${1:-1GB}
shift || true
SIZES=("$@")
[ ${#SIZES[@]} -gt 0 ] || SIZES=(500MB 2GB 8GB)
BIN=target/release/textsieve
RUNS=bench-data/scale-runs
[ -x "$BIN" ] || cargo build --release --locked
[ -x /usr/bin/time ] || { apt-get update && apt-get install -y time; }
mkdir -p "$RUNS"

stamp=$(cat src/synth/*.rs | sha256sum | cut -c1-16)
seconds() {
    awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s}' "$1"
}
peak_mb() { awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2 / 1024}' "$1"; }

printf '%-8s %-16s %10s %8s %8s %10s %12s %12s\n' size run bytes seconds "MB/s" "peak MB" "spilled MB" "peak disk MB"
for size in "${SIZES[@]}"; do
    data=bench-data/synth-$size-seed7
    if [ ! -f "$data/truth.jsonl" ] || [ "$(cat "$data/.generator" 2>/dev/null)" != "$stamp" ]; then
        echo "synthesizing $size into $data ..." >&2
        rm -rf "$data"
        "$BIN" synth --size "$size" --seed 7 --format jsonl -o "$data" >&2
        echo "$stamp" > "$data/.generator"
    fi
    bytes=$(find "$data/corpus" -type f -printf '%s\n' | awk '{s += $1} END {print s}')
    find "$data/corpus" -type f -print0 | xargs -0 cat > /dev/null
    for run in unbounded "max-memory $BOUND"; do
        extra=()
        [ "$run" = unbounded ] || extra=(--max-memory "$BOUND" --work-dir "$RUNS/work")
        out="$RUNS/out-$size"
        rm -rf "$out"
        /usr/bin/time -v "$BIN" clean "$data/corpus" --include '*.jsonl' -o "$out" --threads 2 --quiet "${extra[@]}" \
            2> "$RUNS/time.txt"
        s=$(seconds "$RUNS/time.txt")
        spilled=$(grep -o '"spilled_bytes": *[0-9]*' "$out/stats.json" | grep -o '[0-9]*$')
        disk=$(grep -o '"peak_spill_bytes": *[0-9]*' "$out/stats.json" | grep -o '[0-9]*$')
        printf '%-8s %-16s %10s %8.2f %8.1f %10s %12.0f %12.0f\n' "$size" "$run" "$bytes" "$s" \
            "$(awk -v b="$bytes" -v s="$s" 'BEGIN {print b / 1e6 / s}')" "$(peak_mb "$RUNS/time.txt")" \
            "$(awk -v b="$spilled" 'BEGIN {print b / 1e6}')" "$(awk -v b="$disk" 'BEGIN {print b / 1e6}')"
    done
done
