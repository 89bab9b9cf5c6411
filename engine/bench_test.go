package engine_test

import (
	"context"
	"math"
	"runtime"
	"testing"
	"time"

	"github.com/spiralrisk/spiral/engine"
	"github.com/spiralrisk/spiral/experiments"
	"github.com/spiralrisk/spiral/stochastic"
	"gonum.org/v1/gonum/stat"
)

// The benchmarks BENCHMARKS.md reports; `make bench` runs them with
// -benchmem and -count and summarises them with benchstat. Presets'
// paths differ a lot in cost (a crash path of bench.yaml costs 50 calm
// ones), so the per-path benchmarks cycle through the same paths, 0–255,
// and BenchmarkRun runs paths 0–1023 (enough that Run's setup does not
// blur the scaling from 1 to 2 workers).
const (
	benchPaths = 256
	runPaths   = 1024
)

func preset(tb testing.TB, name string) *engine.Config {
	tb.Helper()
	sc, err := experiments.Load(name)
	if err != nil {
		tb.Fatal(err)
	}
	cfg, err := sc.Config()
	if err != nil {
		tb.Fatal(err)
	}
	return cfg
}

type discard struct{}

func (discard) Write([]engine.PathResult) error { return nil }

// BenchmarkRun runs 1,024 untraced paths of a preset through Run with 1 and
// 2 workers: ns/path-step, paths/s and the scaling from 1 to 2 workers.
func BenchmarkRun(b *testing.B) {
	for _, name := range []string{"baseline", "bench"} {
		for _, workers := range []int{1, 2} {
			b.Run(name+"/workers="+string(rune('0'+workers)), func(b *testing.B) {
				cfg := preset(b, name)
				cfg.Paths = runPaths
				cfg.Trace.Paths = 0
				b.ReportAllocs()
				for b.Loop() {
					if err := engine.Run(context.Background(), cfg, engine.Options{Workers: workers}, discard{}); err != nil {
						b.Fatal(err)
					}
				}
				paths := float64(b.N * cfg.Paths)
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/(paths*float64(cfg.Steps())), "ns/path-step")
				b.ReportMetric(paths/b.Elapsed().Seconds(), "paths/s")
			})
		}
	}
}

// BenchmarkPresetPath simulates one untraced path per operation on one reused
// runner (no goroutines, no sink), cycling through paths 0–255:
//   - baseline: the pool model alone (GBM price, self-exciting withdrawals);
//   - bench-pool: bench.yaml without its positions: the pool model on the
//     same random numbers as BenchmarkFloor/bench;
//   - bench-quiet: the paths of bench.yaml among 0–255 in which nothing is
//     liquidated: what every step costs with the liquidation spiral on;
//   - bench: the whole of bench.yaml, liquidation spiral included. It also
//     reports the mean number of liquidations per path, so that the cost of
//     a liquidation is (bench − bench-quiet) × steps / liquidations.
func BenchmarkPresetPath(b *testing.B) {
	for _, name := range []string{"baseline", "bench-pool", "bench-quiet", "bench"} {
		b.Run(name, func(b *testing.B) {
			var cfg *engine.Config
			switch name {
			case "bench-pool":
				cfg = preset(b, "bench")
				cfg.Liquidation = nil
			case "bench-quiet":
				cfg = preset(b, "bench")
			default:
				cfg = preset(b, name)
			}
			cfg.Trace.Paths = 0
			run := engine.NewPathSimulator(cfg)
			var res engine.PathResult
			paths := make([]int, 0, benchPaths)
			for path := range benchPaths {
				if name == "bench-quiet" {
					if err := run(path, &res); err != nil {
						b.Fatal(err)
					}
					if res.Summary.Liquidations > 0 {
						continue
					}
				}
				paths = append(paths, path)
			}
			if len(paths) < benchPaths/10 {
				b.Fatalf("%s: only %d of %d paths", name, len(paths), benchPaths)
			}
			liquidations := 0
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				if err := run(paths[i%len(paths)], &res); err != nil {
					b.Fatal(err)
				}
				liquidations += res.Summary.Liquidations
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*cfg.Steps()), "ns/path-step")
			if name == "bench" {
				b.ReportMetric(float64(liquidations)/float64(b.N), "liquidations/path")
			}
		})
	}
}

// BenchmarkPathCost splits what a path of bench.yaml costs into a cost per
// step and a cost per liquidation: it times each of paths 0–255 (in turn,
// as BenchmarkPresetPath/bench does) and fits, by least squares over the
// paths, ns per path = steps × ns/step + liquidations × ns/liquidation. It
// also reports the paths' mean cost, ns/path-step, each path weighted once.
// ns/step is then what a step costs with the liquidation spiral on but
// nothing liquidated, to compare with BenchmarkFloor/bench; R² says how
// much of the spread between paths the two terms explain (the rest is
// mostly positions parked and released as gas and prices move).
func BenchmarkPathCost(b *testing.B) {
	cfg := preset(b, "bench")
	cfg.Trace.Paths = 0
	run := engine.NewPathSimulator(cfg)
	var res engine.PathResult
	var nanos, runs, liquidations [benchPaths]float64
	for i := 0; b.Loop(); i++ {
		path := i % benchPaths
		start := time.Now()
		if err := run(path, &res); err != nil {
			b.Fatal(err)
		}
		nanos[path] += float64(time.Since(start).Nanoseconds())
		runs[path]++
		liquidations[path] = float64(res.Summary.Liquidations)
	}
	if b.N < benchPaths {
		b.Skipf("b.N = %d: every one of the %d paths must run (use -benchtime ≥ %dx)", b.N, benchPaths, benchPaths)
	}
	var perPath [benchPaths]float64
	for p := range perPath {
		perPath[p] = nanos[p] / runs[p]
	}
	intercept, slope := stat.LinearRegression(liquidations[:], perPath[:], nil, false)
	// The mean over the paths of their own mean time: unlike
	// BenchmarkPresetPath/bench's, it does not depend on which paths the
	// last, partial cycle of b.N happened to run.
	b.ReportMetric(stat.Mean(perPath[:], nil)/float64(cfg.Steps()), "ns/path-step")
	b.ReportMetric(intercept/float64(cfg.Steps()), "ns/step")
	b.ReportMetric(slope, "ns/liquidation")
	b.ReportMetric(stat.RSquared(liquidations[:], perPath[:], nil, intercept, slope), "R2")
}

// BenchmarkFloor is the cost of the random numbers a path of a preset needs
// and nothing else: the same streams, seeded the same way, drawing the same
// numbers through the same samplers (the price process, the withdrawal
// behaviour, the deposit noise), without the pool, the book or the
// liquidations. DESIGN §11 asks the path to stay within 3× of it.
func BenchmarkFloor(b *testing.B) {
	for _, name := range []string{"baseline", "bench"} {
		b.Run(name, func(b *testing.B) {
			cfg := preset(b, name)
			dt := cfg.Dt()
			price := cfg.Price.NewSampler(dt)
			withdrawals := cfg.Withdrawals.NewSampler(dt)
			priceSrc := stochastic.NewSource(cfg.Seed, stochastic.StreamPrice)
			drawSrc := stochastic.NewSource(cfg.Seed, stochastic.StreamWithdrawals)
			depositSrc := stochastic.NewSource(cfg.Seed, stochastic.StreamDeposits)
			steps := cfg.Steps()
			var sink float64
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				p := uint64(i % benchPaths)
				priceSrc.Seed(cfg.Seed, p, stochastic.StreamPrice)
				drawSrc.Seed(cfg.Seed, p, stochastic.StreamWithdrawals)
				depositSrc.Seed(cfg.Seed, p, stochastic.StreamDeposits)
				withdrawals.Reset(drawSrc)
				sink += price.Reset(priceSrc)
				for range steps {
					sink += price.Next(priceSrc)
					sink += withdrawals.Next(drawSrc, stochastic.Signals{})
					if cfg.Inflow.NoiseSigma > 0 {
						sink += depositSrc.NormFloat64()
					}
				}
			}
			if sink == 0 {
				b.Fatal("nothing drawn")
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*steps), "ns/path-step")
		})
	}
}

// A path allocates nothing in steady state, whatever happens in it: the
// presets with a liquidation spiral, a policy or a stablecoin, over paths
// that crash and paths that do not. testing.AllocsPerRun would round a few
// allocations in many paths down to 0, so this counts them all; as the
// runtime itself may allocate now and then, the fewest of three tries
// counts.
func TestPresetPathsDoNotAllocate(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	for _, name := range []string{"bench", "baseline", "black-thursday-pause", "ust-luna-2022"} {
		cfg := preset(t, name)
		cfg.Trace.Paths = 0
		run := engine.NewPathSimulator(cfg)
		var res engine.PathResult
		if err := run(0, &res); err != nil { // the runner is warm after one path
			t.Fatal(err)
		}
		fewest, liquidations := uint64(math.MaxUint64), 0
		for range 3 {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			for path := range 24 {
				if err := run(path, &res); err != nil {
					t.Fatal(err)
				}
				liquidations += res.Summary.Liquidations
			}
			runtime.ReadMemStats(&after)
			fewest = min(fewest, after.Mallocs-before.Mallocs)
		}
		if fewest != 0 {
			t.Errorf("%s: %d allocations in 24 paths", name, fewest)
		}
		if name == "bench" && liquidations == 0 {
			t.Errorf("bench: no liquidation in 24 paths: the test proves nothing")
		}
	}
}
