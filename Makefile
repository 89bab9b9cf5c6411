# spiral — common tasks. `make run` and `make test` are all a new user needs.
GO          ?= go
OUT         ?= out/baseline
SCENARIO    ?=
BENCHCOUNT  ?= 6
BENCHES     ?= ^Benchmark(Run|PresetPath|PathCost|Floor|QuietStep|NextNone|SummaryParquet)$$
BENCHOLD    ?=
STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2
BENCHSTAT   ?= golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da
FUZZTIME    ?= 15s

# Bit-for-bit comparisons in tests assume no fused multiply-add (DESIGN §3).
export GOAMD64 = v1

.PHONY: all build run test bench lint fuzz clean

all: build

build:
	$(GO) build -ldflags "-X main.buildVersion=$$(git describe --always --dirty 2>/dev/null || echo devel)" -o bin/spiral ./cmd/spiral

## run: run the embedded baseline (or SCENARIO=file.yaml) into $(OUT)
run: build
	./bin/spiral run $(SCENARIO) --out $(OUT) --overwrite

## test: every test, including the DuckDB reader of the Parquet output
test:
	@test -z "$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))" || { echo "gofmt needed:"; gofmt -l .; exit 1; }
	$(GO) vet ./...
	$(GO) test -count=1 ./...
	cd deploy && $(GO) vet ./... && $(GO) test -count=1 ./...

## bench: the benchmarks BENCHMARKS.md reports (BENCHES), BENCHCOUNT times each with -benchmem,
## into bench.txt, summarised by benchstat; BENCHOLD=old.txt compares with an earlier bench.txt
## (save one with `cp bench.txt old.txt` before a change). BENCHES=. runs every benchmark.
bench:
	$(GO) test -run '^$$' -bench '$(BENCHES)' -benchmem -count $(BENCHCOUNT) ./engine/... ./report/... | tee bench.txt
	$(GO) run $(BENCHSTAT) $(BENCHOLD) bench.txt

## lint: gofmt, go vet and staticcheck
lint:
	@test -z "$$(gofmt -l .)" || { gofmt -l .; exit 1; }
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...

## fuzz: run each fuzz target for FUZZTIME (the scenario decoder, the CSV readers, the AMM math).
## A failing input is saved under the package's testdata/fuzz/<target>/ and
## then runs in every `go test` as a regression test: keep it with the fix.
fuzz:
	@set -e; for pkg in $$($(GO) list ./...); do \
	  for t in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
	    echo "fuzz $$pkg $$t"; $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) $$pkg; \
	  done; \
	done

clean:
	rm -rf bin out bench.txt
