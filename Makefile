# textsieve — build, demo, tests and benchmarks.
# `make demo` cleans the bundled samples; `make test` is what CI runs.

CARGO ?= cargo
BIN := target/release/textsieve
SAMPLES := samples/seeds
DEMO_OUT := out/seeds

.PHONY: build demo test fmt clippy unit bless bench bench-e2e clean

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

clean:
	$(CARGO) clean
	rm -rf out
