# textsieve — build, demo, tests and benchmarks.
# `make demo` cleans the bundled samples; `make test` is what CI runs.

CARGO ?= cargo
BIN := target/release/textsieve
SAMPLES := samples/seeds
DEMO_OUT := out/seeds

.PHONY: build demo test fmt clippy unit bless bench bench-corpus bench-e2e clean

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

clean:
	$(CARGO) clean
	rm -rf out
