package engine

import (
	"math"
	"testing"

	"github.com/spiralrisk/spiral/engine/lending"
	"github.com/spiralrisk/spiral/stochastic"
)

// The liquidation phase's shortcuts change no result. Three runners
// simulate the same paths: one that visits every liquidatable position in
// turn (no parking, no profit bound, no early end of a round), one with
// every shortcut but parking, and the production one. The first two agree
// bit for bit on every summary column and series point, except unrealized
// and total bad debt, which sum the same open positions in another order
// (1e-12 relative): positions set aside without a visit stay where they
// are in the book's heap. Parking also
// agrees bit for bit, except the same sums and, when
// keeper capacity runs out, the split of waiting positions between
// skipped_unprofitable and skipped_capacity: a parked position is known not
// to pay at the step's gas whatever the capacity, so it counts as
// unprofitable even if keepers ran out before they would have reached it;
// the total is unchanged. The configurations make every shortcut fire.
func TestLiquidationShortcuts(t *testing.T) {
	type variant struct {
		name string
		edit func(*Config)
	}
	variants := []variant{
		{"thin keepers", func(c *Config) { c.Liquidation.Keepers.CapacityUSD = 3e5 }},
		{"expensive gas", func(c *Config) {
			c.Liquidation.Keepers.GasUSD = 300
			c.Liquidation.Keepers.GasSpike = 20
		}},
		{"jumps", func(c *Config) {
			c.Price = stochastic.Merton{Initial: 2000, Volatility: 0.8, JumpIntensity: 200, JumpMean: -0.01, JumpStdDev: 0.05}
			c.Liquidation.Keepers.CapacityUSD = 2e6
			c.Liquidation.Keepers.GasUSD = 20
			c.Liquidation.Keepers.GasSpike = 20
			c.Liquidation.DEX.DepthUSD = 5e7
		}},
		// Like experiments/bench.yaml: many small positions, so that the
		// close factor decides whether a position pays.
		{"small positions", func(c *Config) {
			book, err := lending.GenerateBook(lending.BookParams{Positions: 3000, TotalDebt: 1e7, Price: 2000,
				LiquidationThreshold: 0.83, SizeAlpha: 1.3, MedianHealth: 1.8, HealthSpread: 0.5},
				stochastic.NewSource(5, stochastic.StreamPositions))
			if err != nil {
				t.Fatal(err)
			}
			c.Liquidation.Book = book
			c.Pool.Deposits = 5e7
			c.Price = stochastic.Merton{Initial: 2000, Drift: -2, Volatility: 0.6, JumpIntensity: 250, JumpStdDev: 0.05}
			c.Liquidation.Keepers = Keepers{CapacityUSD: 1e6, GasUSD: 5, MinProfitUSD: 10, GasSpike: 20, CapacityGasElasticity: 1, MaxRounds: 10}
			c.Liquidation.DEX.DepthUSD = 5e7
		}},
	}
	var total shortcutCounts
	for _, v := range variants {
		cfg := crashConfig(t, 16)
		cfg.Liquidation.Keepers.MinProfitUSD = 20
		cfg.Trace = Trace{Paths: 16, Every: 1}
		v.edit(cfg)
		if err := cfg.Validate(); err != nil {
			t.Fatal(err)
		}
		visitAll, noPark, prod := newPathRunner(cfg), newPathRunner(cfg), newPathRunner(cfg)
		visitAll.noParking, visitAll.noShortcuts = true, true
		noPark.noParking = true
		for path := range cfg.Paths {
			var a, b, c PathResult
			for _, x := range []struct {
				r   *pathRunner
				res *PathResult
			}{{visitAll, &a}, {noPark, &b}, {prod, &c}} {
				if err := x.r.run(path, x.res); err != nil {
					t.Fatal(err)
				}
			}
			for _, col := range SummaryColumns {
				x, y, z := col.Value(&a.Summary), col.Value(&b.Summary), col.Value(&c.Summary)
				switch col.Name {
				case "unrealized_bad_debt_usd", "bad_debt_usd":
					if math.Abs(y-x) > 1e-12*math.Abs(x) {
						t.Errorf("%s, seed %d path %d: the shortcuts changed %s: %v, visiting every position %v", v.name, cfg.Seed, path, col.Name, y, x)
					}
					if math.Abs(z-x) > 1e-12*math.Abs(x) {
						t.Errorf("%s, seed %d path %d: parking changed %s: %v, without %v", v.name, cfg.Seed, path, col.Name, z, x)
					}
				case "skipped_unprofitable", "skipped_capacity":
					if math.Float64bits(x) != math.Float64bits(y) {
						t.Errorf("%s, seed %d path %d: the shortcuts changed %s: %v, visiting every position %v", v.name, cfg.Seed, path, col.Name, y, x)
					}
				default:
					if math.Float64bits(x) != math.Float64bits(y) {
						t.Errorf("%s, seed %d path %d: the shortcuts changed %s: %v, visiting every position %v", v.name, cfg.Seed, path, col.Name, y, x)
					}
					if math.Float64bits(x) != math.Float64bits(z) {
						t.Errorf("%s, seed %d path %d: parking changed %s: %v, without %v", v.name, cfg.Seed, path, col.Name, z, x)
					}
				}
			}
			sa, sc := a.Summary, c.Summary
			if sa.SkippedUnprofitable+sa.SkippedCapacity != sc.SkippedUnprofitable+sc.SkippedCapacity || sc.SkippedUnprofitable < sa.SkippedUnprofitable {
				t.Errorf("%s, seed %d path %d: waiting positions %d unprofitable + %d capacity with parking, %d + %d without",
					v.name, cfg.Seed, path, sc.SkippedUnprofitable, sc.SkippedCapacity, sa.SkippedUnprofitable, sa.SkippedCapacity)
			}
			for i := range a.Series {
				if a.Series[i] != b.Series[i] || a.Series[i] != c.Series[i] {
					t.Fatalf("%s, path %d: the shortcuts changed series point %d", v.name, path, i)
				}
			}
		}
		t.Logf("%s: visits %d without shortcuts, %d with, %d with parking; %+v",
			v.name, visitAll.shortcuts.visits, noPark.shortcuts.visits, prod.shortcuts.visits, prod.shortcuts)
		total.bounded += noPark.shortcuts.bounded
		total.setAside += noPark.shortcuts.setAside
		total.parked += prod.shortcuts.parked
		total.releasedGas += prod.shortcuts.releasedGas
		total.releasedFullClose += prod.shortcuts.releasedFullClose
	}
	if total.bounded == 0 || total.setAside == 0 || total.parked == 0 || total.releasedGas == 0 || total.releasedFullClose == 0 {
		t.Fatalf("a shortcut never fired, the test proves nothing: %+v", total)
	}
}
