package engine_test

import (
	"context"
	"testing"

	"github.com/spiralrisk/spiral/engine"
	"github.com/spiralrisk/spiral/experiments"
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

// BenchmarkRun runs 256 paths of a preset (untraced) through Run with 1 and 2
// workers; ns/path-step and paths/s are the figures BENCHMARKS.md reports.
func BenchmarkRun(b *testing.B) {
	for _, name := range []string{"baseline"} {
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
