#!/usr/bin/env bash
# End-to-end benchmark: synthesize a JSONL corpus once (cached in bench-data/), run
# `textsieve clean` on it with 1 and 2 threads under /usr/bin/time -v, compare
# with the floor (reading every file with cat), then score a run with `eval`.
# Usage: benches/e2e.sh [SIZE] [SEED]     (default 1GB 7)
set -euo pipefail
cd "$(dirname "$0")/.."

SIZE=${1:-1GB}
SEED=${2:-7}
BIN=target/release/textsieve
DATA=bench-data/synth-$SIZE-seed$SEED
RUNS=bench-data/runs
[ -x "$BIN" ] || cargo build --release --locked
[ -x /usr/bin/time ] || { apt-get update && apt-get install -y time; }

# The cached corpus is made again whenever the generator's source changed.
stamp=$(cat src/synth/*.rs | sha256sum | cut -c1-16)
if [ ! -f "$DATA/truth.jsonl" ] || [ "$(cat "$DATA/.generator" 2>/dev/null)" != "$stamp" ]; then
    echo "synthesizing $SIZE (seed $SEED) into $DATA ..." >&2
    rm -rf "$DATA"
    "$BIN" synth --size "$SIZE" --seed "$SEED" --format jsonl -o "$DATA"
    echo "$stamp" > "$DATA/.generator"
fi
mkdir -p "$RUNS"
bytes=$(find "$DATA/corpus" -type f -printf '%s\n' | awk '{s += $1} END {print s}')

seconds() { # wall clock of a /usr/bin/time -v report, in seconds
    awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s}' "$1"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
mb_s() { awk -v a="$bytes" -v b="$1" 'BEGIN {printf "%.1f", a / 1e6 / b}'; }
peak_mb() {
    awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2 / 1024}' "$1"
}

# Warm the page cache so every run reads from memory, then time the floor.
find "$DATA/corpus" -type f -print0 | xargs -0 cat > /dev/null
/usr/bin/time -v sh -c "find '$DATA/corpus' -type f -print0 | xargs -0 cat > /dev/null" 2> "$RUNS/floor.time"
floor=$(seconds "$RUNS/floor.time")

# The second floor: read every file and hash every line (benches/floor.rs), 2 threads.
cargo bench --locked --bench floor -- "$DATA/corpus" 2 > "$RUNS/floor-hash.out" 2> "$RUNS/floor-hash.err"
hash_floor=$(awk '/^floor:/ {for (i = 1; i <= NF; i++) if ($i == "s") print $(i - 1)}' "$RUNS/floor-hash.out")

printf '\ncorpus: %s, %s MB, %s files\n\n' "$DATA/corpus" "$(ratio "$bytes" 1000000)" \
    "$(find "$DATA/corpus" -type f | wc -l)"
printf '%-34s %8s %9s %10s %9s %9s\n' "command" "seconds" "MB/s" "peak MB" "x cat" "x hash"
printf '%-34s %8.2f %9s %10s %9s %9s\n' "cat > /dev/null (floor)" "$floor" "$(mb_s "$floor")" \
    "$(peak_mb "$RUNS/floor.time")" "1.00" "-"
printf '%-34s %8.2f %9s %10s %9s %9s\n' "read + hash every line (floor)" "$hash_floor" "$(mb_s "$hash_floor")" \
    "-" "$(ratio "$hash_floor" "$floor")" "1.00"
for threads in 1 2; do
    rm -rf "$RUNS/out-$threads"
    /usr/bin/time -v "$BIN" clean "$DATA/corpus" --include '*.jsonl' -o "$RUNS/out-$threads" --threads "$threads" --quiet \
        2> "$RUNS/clean-$threads.time"
    s=$(seconds "$RUNS/clean-$threads.time")
    printf '%-34s %8.2f %9s %10s %9s %9s\n' "textsieve clean --threads $threads" "$s" "$(mb_s "$s")" \
        "$(peak_mb "$RUNS/clean-$threads.time")" "$(ratio "$s" "$floor")" "$(ratio "$s" "$hash_floor")"
done

echo
rm -rf "$RUNS/out-annotated"
"$BIN" clean "$DATA/corpus" --include '*.jsonl' -o "$RUNS/out-annotated" --annotate "$RUNS/annotations.jsonl" --quiet
"$BIN" eval --truth "$DATA/truth.jsonl" --annotations "$RUNS/annotations.jsonl" --json "$RUNS/eval.json"
