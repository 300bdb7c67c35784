# textsieve — build, demo, tests and benchmarks.
# `make demo` cleans the bundled samples; `make test` is what CI runs.

CARGO ?= cargo
BIN := target/release/textsieve
SAMPLES := samples/seeds
DEMO_OUT := out/seeds

.PHONY: build demo test fmt clippy unit bless bench bench-e2e bench-scale fuzz clean

build:
	$(CARGO) build --release --locked

demo: build
	$(BIN) clean $(SAMPLES) -o $(DEMO_OUT) --annotate $(DEMO_OUT)/annotations.jsonl
	@echo
	@echo "cleaned corpus: $(DEMO_OUT)/   stats: $(DEMO_OUT)/stats.json   annotations: $(DEMO_OUT)/annotations.jsonl"

test: fmt clippy unit

fmt:
	$(CARGO) fmt --all -- --check

clippy:
	$(CARGO) clippy --locked --all-targets -- -D warnings

unit:
	$(CARGO) test --locked

# Rewrite the expected outputs in samples/expected/ after an intended change.
bless:
	TEXTSIEVE_BLESS=1 $(CARGO) test --locked --test tests golden

bench:
	$(CARGO) bench --locked

# End to end on a synthetic 1 GB corpus (made once, cached in bench-data/):
# MB/s and peak memory of `clean` with 1 and 2 threads, the floor (cat), eval.
# BENCH_SIZE=200MB make bench-e2e for a quicker run.
BENCH_SIZE ?= 1GB
bench-e2e: build
	benches/e2e.sh $(BENCH_SIZE) 7

# Scaling (not in CI): synthetic JSONL corpora of SCALE_SIZES (made once,
# cached in bench-data/), clean unbounded and with --max-memory SCALE_BOUND:
# seconds, MB/s, peak RSS, bytes spilled and peak spill on disk.
SCALE_BOUND ?= 1GB
SCALE_SIZES ?= 500MB 2GB 8GB
bench-scale: build
	benches/scale.sh $(SCALE_BOUND) $(SCALE_SIZES)

# Fuzz the normalizer, the line splitter and the JSONL reader (not in CI):
# FUZZ_SECONDS each, on nightly with cargo-fuzz (installed if missing).
# Findings land in fuzz/artifacts/<target>/; keep each as a regression test.
FUZZ_SECONDS ?= 600
FUZZ_TARGETS := normalize lines jsonl
fuzz:
	$(CARGO) +nightly fuzz --version >/dev/null 2>&1 || $(CARGO) install cargo-fuzz --locked
	for t in $(FUZZ_TARGETS); do \
		$(CARGO) +nightly fuzz run $$t -- -max_total_time=$(FUZZ_SECONDS) || exit 1; \
	done

clean:
	$(CARGO) clean
	rm -rf out
