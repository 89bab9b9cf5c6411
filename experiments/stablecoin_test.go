package experiments

import (
	"math"
	"slices"
	"testing"

	"github.com/spiralrisk/spiral/engine"
	"github.com/spiralrisk/spiral/engine/lending"
	"github.com/spiralrisk/spiral/stochastic"
)

// median of f over the rows; NaN (never) sorts last, as +Inf.
func median(r rows, f func(*engine.Summary) float64) float64 {
	v := make([]float64, len(r))
	for i := range r {
		v[i] = f(&r[i])
		if math.IsNaN(v[i]) {
			v[i] = math.Inf(1)
		}
	}
	slices.Sort(v)
	return v[len(v)/2]
}

func TestUSDCSVBHeadline(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the preset")
	}
	const paths = 100
	r := runPreset(t, "usdc-svb-2023", paths, nil)
	minPeg := median(r, func(s *engine.Summary) float64 { return s.Stablecoin.MinPrice })
	below := median(r, func(s *engine.Summary) float64 { return s.Stablecoin.HoursBelow99 })
	below95 := median(r, func(s *engine.Summary) float64 { return s.Stablecoin.HoursBelow95 })
	first := median(r, func(s *engine.Summary) float64 { return s.Stablecoin.FirstDepegHour })
	recovered := median(r, func(s *engine.Summary) float64 { return s.Stablecoin.RecoveredHour })
	redeemed := median(r, func(s *engine.Summary) float64 { return s.Stablecoin.RedeemedUSD })
	deposits := median(r, func(s *engine.Summary) float64 { return s.FinalDepositsUSD })
	maxU := median(r, func(s *engine.Summary) float64 { return s.MaxUtilization })
	t.Logf("median: min peg %.4f, hours below 0.99 %.0f, below 0.95 %.0f, first depeg %.0f h, recovered %.0f h, redeemed %.3g, final deposits %.3g, max U %.3f",
		minPeg, below, below95, first, recovered, redeemed, deposits, maxU)
	// The event: minimum 0.874, first below 0.99 at hour 27, guarantee at
	// hour 70, back above 0.99 for good at hour 85, about 46 h below 0.99.
	if minPeg < 0.84 || minPeg > 0.91 {
		t.Errorf("median minimum %.4f, want near 0.87 (seed %d)", minPeg, 1)
	}
	if first < 27 || first > 30 {
		t.Errorf("median first depeg at hour %.0f, want just after the disclosure at 27", first)
	}
	if recovered < 70 || recovered > 70+30 {
		t.Errorf("median recovery at hour %.0f, want within about a day of the guarantee (hour 70)", recovered)
	}
	if below < 30 || below > 70 {
		t.Errorf("median %.0f hours below 0.99, want about 46", below)
	}
	if deposits >= 1068180834*0.95 {
		t.Errorf("median final deposits %.3g: the depeg should drain the pool's deposits", deposits)
	}

	// Without the bank failure and the disclosure the peg holds.
	calm := runPreset(t, "usdc-svb-2023", paths, func(c *engine.Config) {
		c.Stablecoin.Model.Reserve.Bank.Failure = nil
		c.Stablecoin.Model.Events = nil
	})
	for _, s := range calm {
		if s.Stablecoin.MinPrice < 0.99 {
			t.Fatalf("no trigger: path %d reaches %.4f", s.Path, s.Stablecoin.MinPrice)
		}
	}
}

func TestUSTLUNAHeadline(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the preset")
	}
	const paths = 100
	r := runPreset(t, "ust-luna-2022", paths, nil)
	final := median(r, func(s *engine.Summary) float64 { return s.Stablecoin.FinalPrice })
	minPeg := median(r, func(s *engine.Summary) float64 { return s.Stablecoin.MinPrice })
	first := median(r, func(s *engine.Summary) float64 { return s.Stablecoin.FirstDepegHour })
	mult := median(r, func(s *engine.Summary) float64 { return s.Stablecoin.GovSupplyMultiple })
	fall := median(r, func(s *engine.Summary) float64 { return s.Stablecoin.GovPriceFall })
	burned := median(r, func(s *engine.Summary) float64 { return s.Stablecoin.BurnedUSD })
	deposits := median(r, func(s *engine.Summary) float64 { return s.FinalDepositsUSD })
	destroyed := median(r, func(s *engine.Summary) float64 { return s.Stablecoin.ValueDestroyedUSD })
	below50 := median(r, func(s *engine.Summary) float64 { return s.Stablecoin.HoursBelow95 })
	t.Logf("median: final UST %.4f, min %.4f, first depeg %.0f h, LUNA supply x%.4g, LUNA fall %.7f, burned %.3g, Anchor deposits %.3g, destroyed %.3g, h<0.95 %.0f",
		final, minPeg, first, mult, fall, burned, deposits, destroyed, below50)
	if final > 0.2 || mult < 10 || fall < 0.999 {
		t.Errorf("median final UST %.4f, LUNA supply x%.3g, LUNA fall %.6f: want a collapse of both", final, mult, fall)
	}
	if deposits > 14e9/2 {
		t.Errorf("median final Anchor deposits %.3g: want a run", deposits)
	}
	// Within days: below 0.95 by hour 120 on the median path.
	if h := median(r, func(s *engine.Summary) float64 { return s.Stablecoin.FirstDepegHour }); h > 48 {
		t.Errorf("median first depeg at hour %.0f", h)
	}

	// Without the initial withdrawal and sale the peg holds.
	calm := runPreset(t, "ust-luna-2022", paths, func(c *engine.Config) { c.Stablecoin.Model.Events = nil })
	for _, s := range calm {
		if s.Stablecoin.MinPrice < 0.99 || s.Stablecoin.GovSupplyMultiple > 1.1 {
			t.Fatalf("no trigger: path %d reaches %.4f, LUNA supply x%.3g", s.Path, s.Stablecoin.MinPrice, s.Stablecoin.GovSupplyMultiple)
		}
	}
}

// A lending pool whose collateral is the depegging stablecoin, at a flat
// price otherwise, has liquidations and bad debt from the depeg alone; the
// same pool without the bank failure has none.
func TestStablecoinCollateralLiquidations(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the preset")
	}
	bt, err := Load("black-thursday-2020")
	if err != nil {
		t.Fatal(err)
	}
	base, err := bt.Config()
	if err != nil {
		t.Fatal(err)
	}
	edit := func(trigger bool) func(*engine.Config) {
		return func(c *engine.Config) {
			liq := *base.Liquidation
			book, err := lending.GenerateBook(lending.BookParams{Positions: 500, TotalDebt: 0.9 * c.Pool.Utilization * c.Pool.Deposits,
				Price: 1, LiquidationThreshold: 0.9, SizeAlpha: 1.3, MedianHealth: 1.08, HealthSpread: 0.5},
				stochastic.NewSource(1, stochastic.StreamPositions))
			if err != nil {
				t.Fatal(err)
			}
			liq.Book = book
			liq.Rules.LiquidationThreshold = 0.9
			liq.DEX.DepthUSD = 20e6
			liq.Keepers.GasSpike, liq.DEX.DepthStress = 0, 0
			c.Liquidation = &liq
			c.Stablecoin.Coupling = engine.CouplingCollateral
			if !trigger {
				c.Stablecoin.Model.Reserve.Bank.Failure = nil
				c.Stablecoin.Model.Events = nil
			}
			if err := c.Validate(); err != nil {
				t.Fatal(err)
			}
		}
	}
	depeg := runPreset(t, "usdc-svb-2023", 20, edit(true))
	calm := runPreset(t, "usdc-svb-2023", 20, edit(false))
	var liqs, bad int
	for i := range depeg {
		if depeg[i].Liquidations > 0 {
			liqs++
		}
		if depeg[i].BadDebtUSD > 0 {
			bad++
		}
		if calm[i].Liquidations != 0 || calm[i].BadDebtUSD != 0 || calm[i].MinPrice < 0.99 {
			t.Fatalf("flat price, no depeg: path %d has %d liquidations, %.0f USD bad debt, min price %v",
				i, calm[i].Liquidations, calm[i].BadDebtUSD, calm[i].MinPrice)
		}
	}
	t.Logf("depeg: liquidations in %d of %d paths, bad debt in %d", liqs, len(depeg), bad)
	if liqs < len(depeg)/2 || bad < len(depeg)/2 {
		t.Errorf("liquidations in %d and bad debt in %d of %d paths: the depeg should cause both", liqs, bad, len(depeg))
	}
}
