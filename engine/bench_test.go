package engine_test

import (
	"context"
	"testing"

	"github.com/spiralrisk/spiral/engine"
	"github.com/spiralrisk/spiral/experiments"
	"github.com/spiralrisk/spiral/stochastic"
)

func preset(b *testing.B, name string) *engine.Config {
	b.Helper()
	sc, err := experiments.Load(name)
	if err != nil {
		b.Fatal(err)
	}
	cfg, err := sc.Config()
	if err != nil {
		b.Fatal(err)
	}
	return cfg
}

type discard struct{}

func (discard) Write([]engine.PathResult) error { return nil }

// BenchmarkRun runs 256 untraced paths of a preset through Run with 1 and 2
// workers; ns/path-step and paths/s are the figures BENCHMARKS.md reports.
func BenchmarkRun(b *testing.B) {
	for _, name := range []string{"baseline", "bench"} {
		for _, workers := range []int{1, 2} {
			b.Run(name+"/workers="+string(rune('0'+workers)), func(b *testing.B) {
				cfg := preset(b, name)
				cfg.Paths = 256
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
			for path := 0; b.Loop(); path++ {
				p := uint64(path)
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
