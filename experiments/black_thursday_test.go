package experiments

import (
	"context"
	"testing"

	"github.com/spiralrisk/spiral/engine"
)

type rows []engine.Summary

func (r *rows) Write(batch []engine.PathResult) error {
	for i := range batch {
		*r = append(*r, batch[i].Summary)
	}
	return nil
}

func runPreset(t *testing.T, name string, paths int, edit func(*engine.Config)) rows {
	t.Helper()
	sc, err := Load(name)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := sc.Config()
	if err != nil {
		t.Fatal(err)
	}
	cfg.Paths = paths
	cfg.Trace.Paths = 0
	if edit != nil {
		edit(cfg)
	}
	var out rows
	if err := engine.Run(context.Background(), cfg, engine.Options{}, &out); err != nil {
		t.Fatalf("seed %d: %v", cfg.Seed, err)
	}
	return out
}

// The Black Thursday preset shows the spiral: cascades, liquidations
// skipped for capacity or profit, and bad debt in most paths; with ample
// keeper capacity and a deep DEX, far less bad debt on the same paths.
func TestBlackThursdaySpiral(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the preset")
	}
	const paths = 100
	stress := runPreset(t, "black-thursday-2020", paths, nil)
	ample := runPreset(t, "black-thursday-2020", paths, func(c *engine.Config) {
		c.Liquidation.Keepers.CapacityUSD = 1e9
		c.Liquidation.DEX.DepthUSD = 1e9
	})
	var cascades, skipped, withBadDebt int
	var bad, badAmple float64
	for i, r := range stress {
		if r.MaxCascadeRounds >= 2 {
			cascades++
		}
		if r.SkippedCapacity > 0 || r.SkippedUnprofitable > 0 {
			skipped++
		}
		if r.BadDebtUSD > 0 {
			withBadDebt++
		}
		bad += r.BadDebtUSD / paths
		badAmple += ample[i].BadDebtUSD / paths
	}
	t.Logf("cascades %d, skipped %d, bad debt in %d of %d paths, mean %.0f USD; ample: %.0f USD", cascades, skipped, withBadDebt, paths, bad, badAmple)
	if cascades < paths/2 || skipped < paths/2 || withBadDebt < paths/2 {
		t.Errorf("cascades in %d, skipped liquidations in %d, bad debt in %d of %d paths: the spiral is missing", cascades, skipped, withBadDebt, paths)
	}
	if !(badAmple < bad/20) {
		t.Errorf("mean bad debt %.0f USD with ample keepers and depth, %.0f USD without: want far less", badAmple, bad)
	}
}
