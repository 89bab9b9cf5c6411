package experiments

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spiralrisk/spiral/engine"
	"github.com/spiralrisk/spiral/engine/lending"
	"github.com/spiralrisk/spiral/engine/stablecoin"
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

// ustHeadline is the UST/LUNA preset's headline on one run: per metric,
// the median over the paths (NaN, never, sorts last). Hours count from the
// preset's start, 2022-05-07 00:00 UTC; the event's values (in
// parentheses) are in the preset's description with their sources.
type ustHeadline struct {
	FirstBelow99 float64 // first hour ending below 0.99 (real: 23)
	FirstBelow90 float64 // first hour ending below 0.9 (real: 71)
	PriceAt71    float64 // price at hour 71, 05-09 23:00 (real: 0.883)
	FirstBelow50 float64 // first hour ending below 0.5 (real: 104)
	Slide        float64 // hours from first below 0.9 to first below 0.5, per path (real: 33)
	Min7d        float64 // lowest price in the first 168 hours (real: 0.092)
	PriceAt168   float64 // price at hour 168, 05-14 00:00 (real: 0.123)
	FinalPrice   float64 // price at the horizon, hour 240, 05-17 00:00 (real: 0.099)
	LUNAMultiple float64 // LUNA supply at the horizon / at the start (real: about 18,500)
	LUNAFall     float64 // 1 − LUNA price at the horizon / at the start (real: 0.9999995 at the halt)
	AnchorAt68   float64 // Anchor deposits at hour 68, 05-09 20:00, USD (real: 8.7 B)
	AnchorLeft   float64 // Anchor deposits at the horizon / at the start
	SupplyLeft   float64 // UST supply at the horizon, tokens (real: about 11 B)
	Paths        int
}

// ustSink reduces each traced path to its headline numbers as it arrives.
type ustSink struct {
	first99, first90, at71, first50, slide, min7, at168, final, mult, fall, anchor68, anchor, supply []float64
}

func (u *ustSink) Write(batch []engine.PathResult) error {
	for i := range batch {
		r := &batch[i]
		first99, first90, first50, min7, at71, at168, anchor68 := math.NaN(), math.NaN(), math.NaN(), math.Inf(1), math.NaN(), math.NaN(), math.NaN()
		for _, p := range r.Series {
			if p.PegPrice < 0.99 && math.IsNaN(first99) {
				first99 = p.Hour
			}
			if p.PegPrice < 0.9 && math.IsNaN(first90) {
				first90 = p.Hour
			}
			if p.PegPrice < 0.5 && math.IsNaN(first50) {
				first50 = p.Hour
			}
			if p.Hour <= 168 {
				min7 = min(min7, p.PegPrice)
			}
			switch p.Hour {
			case 68:
				anchor68 = p.DepositsUSD
			case 71:
				at71 = p.PegPrice
			case 168:
				at168 = p.PegPrice
			}
		}
		u.first99, u.first90, u.first50 = append(u.first99, first99), append(u.first90, first90), append(u.first50, first50)
		u.slide = append(u.slide, first50-first90)
		u.min7 = append(u.min7, min7)
		u.at71, u.at168, u.anchor68 = append(u.at71, at71), append(u.at168, at168), append(u.anchor68, anchor68)
		m := r.Summary.Stablecoin
		u.final, u.mult, u.fall = append(u.final, m.FinalPrice), append(u.mult, m.GovSupplyMultiple), append(u.fall, m.GovPriceFall)
		u.anchor = append(u.anchor, r.Summary.FinalDepositsUSD)
		u.supply = append(u.supply, m.SupplyChange)
	}
	return nil
}

func medianOf(v []float64) float64 {
	w := slices.Clone(v)
	for i := range w {
		if math.IsNaN(w[i]) {
			w[i] = math.Inf(1)
		}
	}
	slices.Sort(w)
	return w[len(w)/2]
}

// runUST runs the UST/LUNA preset on paths paths, every path traced hourly,
// after edit.
func runUST(t *testing.T, paths int, edit func(*engine.Config)) ustHeadline {
	t.Helper()
	sc, err := Load("ust-luna-2022")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := sc.Config()
	if err != nil {
		t.Fatal(err)
	}
	cfg.Paths, cfg.Trace.Paths, cfg.Trace.Every = paths, paths, 1
	if edit != nil {
		edit(cfg)
	}
	var u ustSink
	if err := engine.Run(context.Background(), cfg, engine.Options{}, &u); err != nil {
		t.Fatalf("seed %d: %v", cfg.Seed, err)
	}
	return ustHeadline{
		FirstBelow99: medianOf(u.first99), FirstBelow90: medianOf(u.first90), PriceAt71: medianOf(u.at71), FirstBelow50: medianOf(u.first50),
		Slide: medianOf(u.slide), Min7d: medianOf(u.min7), PriceAt168: medianOf(u.at168), FinalPrice: medianOf(u.final),
		LUNAMultiple: medianOf(u.mult), LUNAFall: medianOf(u.fall), AnchorAt68: medianOf(u.anchor68),
		AnchorLeft: medianOf(u.anchor) / cfg.Pool.Deposits, SupplyLeft: (1 + medianOf(u.supply)) * cfg.Stablecoin.Model.Supply,
		Paths: paths,
	}
}

func (h ustHeadline) String() string {
	return fmt.Sprintf("first <0.99 h%.0f, first <0.9 h%.0f, p(h71) %.3f, first <0.5 h%.0f, 0.9→0.5 in %.0f h, min 7d %.3f, p(h168) %.3f, p(h240) %.3f, "+
		"LUNA supply x%.0f, LUNA fall %.7f, Anchor h68 %.2f B, Anchor left %.2f, UST supply h240 %.2f B",
		h.FirstBelow99, h.FirstBelow90, h.PriceAt71, h.FirstBelow50, h.Slide, h.Min7d, h.PriceAt168, h.FinalPrice,
		h.LUNAMultiple, h.LUNAFall, h.AnchorAt68/1e9, h.AnchorLeft, h.SupplyLeft/1e9)
}

// problems lists the headline numbers outside the tolerances the preset's
// description states (the event's values in parentheses). The bands are
// the model's median (100 paths) widened by what ±10 % of any judgement
// parameter moves it (TestUSTLUNARobust, 40 paths) and a little Monte
// Carlo noise: a regression of the mechanism (the second line of the
// defense, the continuous mint/burn swap) leaves them.
func (h ustHeadline) problems() []string {
	var out []string
	in := func(name string, v, lo, hi float64) {
		if !(v >= lo && v <= hi) {
			out = append(out, fmt.Sprintf("%s %.6g outside [%g, %g]", name, v, lo, hi))
		}
	}
	in("first below 0.99 (h23)", h.FirstBelow99, 21, 26)
	in("first below 0.9 (h71)", h.FirstBelow90, 64, 80)
	in("price at h71 (0.883)", h.PriceAt71, 0.82, 0.96)
	in("first below 0.5 (h104)", h.FirstBelow50, 82, 100)
	in("hours from 0.9 to 0.5 (33)", h.Slide, 12, 30)
	in("minimum in 7 days (0.092)", h.Min7d, 0.07, 0.14)
	in("price at h168 (0.123)", h.PriceAt168, 0.07, 0.16)
	in("price at h240 (0.099)", h.FinalPrice, 0.06, 0.13)
	in("LUNA supply multiple (18,500)", h.LUNAMultiple, 6000, 15000)
	in("LUNA price fall (0.9999995)", h.LUNAFall, 0.999999, 1)
	in("Anchor deposits at h68 (8.7 B)", h.AnchorAt68, 6.5e9, 10.5e9)
	in("Anchor deposits left", h.AnchorLeft, 0, 0.4)
	in("UST supply at h240 (about 11 B)", h.SupplyLeft, 8e9, 12e9)
	return out
}

// The UST/LUNA preset's median path reproduces the timeline within the
// tolerances its description states; without the initial withdrawal and
// sale the peg holds on every path.
func TestUSTLUNAHeadline(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the preset")
	}
	const paths = 100
	h := runUST(t, paths, nil)
	t.Logf("median (%d paths, seed 1): %v", paths, h)
	for _, p := range h.problems() {
		t.Errorf("seed 1: %s", p)
	}

	calm := runPreset(t, "ust-luna-2022", paths, func(c *engine.Config) { c.Stablecoin.Model.Events = nil })
	for _, s := range calm {
		if s.Stablecoin.MinPrice < 0.99 || s.Stablecoin.GovSupplyMultiple > 1.01 {
			t.Fatalf("no trigger: path %d reaches %.4f, LUNA supply x%.3g", s.Path, s.Stablecoin.MinPrice, s.Stablecoin.GovSupplyMultiple)
		}
	}
}

// No knife edge: the headline holds for ±10 % changes of each of the
// preset's judgement parameters, one at a time, on the same random numbers.
func TestUSTLUNARobust(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the preset 40 times")
	}
	const paths = 40
	anchor := func(c *engine.Config) *stochastic.SelfExciting {
		w, ok := c.Withdrawals.(stochastic.SelfExciting)
		if !ok {
			t.Fatalf("the preset's withdrawals are %T, want self_exciting", c.Withdrawals)
		}
		c.Withdrawals = nil
		return &w
	}
	params := []struct {
		name  string
		scale func(c *engine.Config, k float64)
	}{
		{"dip_buyers.capital_usd", func(c *engine.Config, k float64) { c.Stablecoin.Model.DipBuyers.CapitalUSD *= k }},
		{"dip_buyers.depth_usd", func(c *engine.Config, k float64) { c.Stablecoin.Model.DipBuyers.DepthUSD *= k }},
		{"dip_buyers.ceiling", func(c *engine.Config, k float64) { c.Stablecoin.Model.DipBuyers.Ceiling *= k }},
		{"dip_buyers.panic_drain", func(c *engine.Config, k float64) { c.Stablecoin.Model.DipBuyers.PanicDrain *= k }},
		{"holders.depeg.weight", func(c *engine.Config, k float64) { c.Stablecoin.Model.Holders.Depeg.Weight *= k }},
		{"holders.shortfall.weight", func(c *engine.Config, k float64) { c.Stablecoin.Model.Holders.Shortfall.Weight *= k }},
		{"holders.excitation", func(c *engine.Config, k float64) { c.Stablecoin.Model.Holders.Excitation *= k }},
		{"holders.inert", func(c *engine.Config, k float64) { c.Stablecoin.Model.Holders.Inert *= k }},
		{"depositors.withdrawals.depeg.weight", func(c *engine.Config, k float64) {
			w := anchor(c)
			w.Depeg.Weight *= k
			c.Withdrawals = *w
		}},
		{"depositors.withdrawals.excitation", func(c *engine.Config, k float64) {
			w := anchor(c)
			w.Excitation *= k
			c.Withdrawals = *w
		}},
		{"events.0 (sale and panic)", func(c *engine.Config, k float64) {
			e := &c.Stablecoin.Model.Events[0]
			e.SellUSD *= k
			e.Panic *= k
		}},
		{"base_pool_usd", func(c *engine.Config, k float64) { c.Stablecoin.Model.Algorithmic.BasePoolUSD *= k }},
		{"halt_below", func(c *engine.Config, k float64) { c.Stablecoin.Model.Algorithmic.HaltBelow *= k }},
		{"governance.depth_usd", func(c *engine.Config, k float64) { c.Stablecoin.Model.Algorithmic.Governance.DepthUSD *= k }},
		{"governance.depth_elasticity", func(c *engine.Config, k float64) {
			c.Stablecoin.Model.Algorithmic.Governance.DepthElasticity *= k
		}},
		{"governance.panic_sell_share", func(c *engine.Config, k float64) {
			c.Stablecoin.Model.Algorithmic.Governance.PanicSellShare *= k
		}},
		{"defense.max_per_day_usd", func(c *engine.Config, k float64) { c.Stablecoin.Model.Algorithmic.Defense.MaxPerDayUSD *= k }},
		{"defense.reserve_usd", func(c *engine.Config, k float64) { c.Stablecoin.Model.Algorithmic.Defense.ReserveUSD *= k }},
		{"defense.second_line.reserve_usd", func(c *engine.Config, k float64) {
			c.Stablecoin.Model.Algorithmic.Defense.SecondLine.ReserveUSD *= k
		}},
		{"defense.second_line.target", func(c *engine.Config, k float64) {
			l := c.Stablecoin.Model.Algorithmic.Defense.SecondLine
			l.Target = max(l.Trigger, min(1, l.Target*k))
		}},
		{"holders.withdrawn_sell_share", func(c *engine.Config, k float64) { c.Stablecoin.Model.Holders.WithdrawnSellShare *= k }},
	}
	for _, p := range params {
		for _, k := range []float64{0.9, 1.1} {
			h := runUST(t, paths, func(c *engine.Config) { p.scale(c, k) })
			t.Logf("%s ×%.1f: %v", p.name, k, h)
			for _, msg := range h.problems() {
				t.Errorf("%s ×%.1f (seed 1, %d paths): %s", p.name, k, paths, msg)
			}
		}
	}
}

// Stablecoin paths give bit-identical summaries for 1, 2 and 7 workers,
// with every summary column and the stablecoin metrics the columns do not
// carry compared bit for bit.
func TestStablecoinWorkersBitIdentical(t *testing.T) {
	for _, name := range []string{"usdc-svb-2023", "ust-luna-2022"} {
		sc, err := Load(name)
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := sc.Config()
		if err != nil {
			t.Fatal(err)
		}
		cfg.Paths, cfg.Trace.Paths = 23, 0
		var want rows
		for _, workers := range []int{1, 2, 7} {
			var got rows
			if err := engine.Run(context.Background(), cfg, engine.Options{Workers: workers, Chunk: 3}, &got); err != nil {
				t.Fatalf("%s, %d workers: %v", name, workers, err)
			}
			if workers == 1 {
				want = got
				continue
			}
			if len(got) != len(want) {
				t.Fatalf("%s: %d rows with %d workers, %d with 1", name, len(got), workers, len(want))
			}
			for i := range got {
				g, w := &got[i], &want[i]
				if g.Path != w.Path {
					t.Fatalf("%s, %d workers: row %d is path %d, want %d", name, workers, i, g.Path, w.Path)
				}
				for _, c := range engine.SummaryColumns {
					if a, b := c.Value(g), c.Value(w); math.Float64bits(a) != math.Float64bits(b) {
						t.Errorf("%s seed %d path %d, %d workers: %s = %v, 1 worker: %v", name, cfg.Seed, g.Path, workers, c.Name, a, b)
					}
				}
				if a, b := fmt.Sprintf("%x", g.Stablecoin), fmt.Sprintf("%x", w.Stablecoin); a != b {
					t.Errorf("%s seed %d path %d, %d workers: stablecoin metrics differ:\n%s\n%s", name, cfg.Seed, g.Path, workers, a, b)
				}
			}
		}
		if m := want[0].Stablecoin; math.IsNaN(m.MinPrice) {
			t.Fatalf("%s: no stablecoin metrics", name)
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

// The resolved UST/LUNA preset shows the dip buyers and the governance
// holders' panic sales and parses back to the same configuration.
func TestUSTLUNAResolved(t *testing.T) {
	s, err := Load("ust-luna-2022")
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"dip_buyers:", "substep: 5m", "panic_drain: 0.05", "panic_sell_share: 0.1", "shortfall:", "second_line:"} {
		if !strings.Contains(string(s.Resolved()), key) {
			t.Errorf("resolved scenario lacks %q", key)
		}
	}
	checkRoundTrip(t, s)
	c := mustConfig(t, s)
	if d := c.Stablecoin.Model.DipBuyers; d == nil || d.CapitalUSD != 2e9 || d.Ceiling != 0.9 {
		t.Errorf("dip buyers %+v", d)
	}
	if l := c.Stablecoin.Model.Algorithmic.Defense.SecondLine; l == nil || l.ReserveUSD != 1.03e9 || l.Trigger != 0.9 {
		t.Errorf("the defense's second line %+v", l)
	}
}

// A defense's second line decodes into the engine's model, round-trips
// through the resolved scenario, and its problems name their field.
func TestDefenseSecondLineDecodes(t *testing.T) {
	preset, err := Load("ust-luna-2022")
	if err != nil {
		t.Fatal(err)
	}
	// The preset without its own second line (a block of deeper-indented
	// lines under "second_line:").
	var kept []string
	skip := false
	for _, line := range strings.Split(string(preset.Resolved()), "\n") {
		if strings.HasPrefix(line, "      second_line:") {
			skip = true
			continue
		}
		if skip && strings.HasPrefix(line, "        ") {
			continue
		}
		skip = false
		kept = append(kept, line)
	}
	base := strings.Join(kept, "\n")
	withLine := func(line string) string {
		i := strings.Index(base, "      sale_cost: ")
		if i < 0 {
			t.Fatalf("resolved preset has no defense sale_cost:\n%s", base)
		}
		j := i + strings.Index(base[i:], "\n") + 1
		return base[:j] + line + base[j:]
	}
	s, err := Parse("line.yaml", []byte(withLine("      second_line: {reserve_usd: 1e9, trigger: 0.9, target: 0.92, max_per_day_usd: 2e9}\n")))
	if err != nil {
		t.Fatal(err)
	}
	checkRoundTrip(t, s)
	got := mustConfig(t, s).Stablecoin.Model.Algorithmic.Defense.SecondLine
	if want := (stablecoin.DefenseLine{ReserveUSD: 1e9, Trigger: 0.9, Target: 0.92, MaxPerDayUSD: 2e9}); got == nil || *got != want {
		t.Errorf("second line %+v, want %+v", got, want)
	}
	bad := withLine("      second_line: {reserve_usd: 1e9, trigger: 0.995, target: 0.9}\n")
	probs := problemsOf(t, "bad.yaml", bad)
	var fields []string
	for _, p := range probs {
		fields = append(fields, p.Field)
	}
	for _, want := range []string{"stablecoin.backing.defense.second_line.max_per_day_usd", "stablecoin.backing.defense.second_line.trigger",
		"stablecoin.backing.defense.second_line.target"} {
		if !slices.Contains(fields, want) {
			t.Errorf("problems %v lack %s", probs, want)
		}
	}
}

// The UST/LUNA preset's results do not move with the engine's step beyond
// the first-order error docs/model.md reports: the same 40 paths at 1 h
// and 15 min steps. Before the defense's hysteresis and the market's
// sub-steps, these medians moved between the two steps by 21 % (7-day
// low), 20 % (price at hour 240), 9 % (UST supply) and 8.5 and 11 hours
// (first below 0.9 and 0.5), and the test failed; now by 1–3 % and 5
// hours, the latter the outer, first-order lag of the withdrawal and
// panic signals (docs/model.md), which the bounds leave room for but not
// much more.
func TestUSTLUNAStepConvergence(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the preset twice")
	}
	const paths = 40
	hour := runUST(t, paths, nil)
	quarter := runUST(t, paths, func(c *engine.Config) { c.Step = 15 * time.Minute })
	t.Logf("1 h:    %v", hour)
	t.Logf("15 min: %v", quarter)
	hours, rel := closeness(t, "at 1 h steps", "at 15 min")
	hours("first below 0.9", hour.FirstBelow90, quarter.FirstBelow90, 6)
	hours("first below 0.5", hour.FirstBelow50, quarter.FirstBelow50, 6)
	hours("hours from 0.9 to 0.5", hour.Slide, quarter.Slide, 3)
	rel("minimum in 7 days", hour.Min7d, quarter.Min7d, 0.05)
	rel("price at hour 240", hour.FinalPrice, quarter.FinalPrice, 0.05)
	rel("LUNA supply multiple", hour.LUNAMultiple, quarter.LUNAMultiple, 0.05)
	rel("UST supply at hour 240", hour.SupplyLeft, quarter.SupplyLeft, 0.03)
}

// The UST/LUNA preset's results converge in the market's sub-step: the
// same 40 paths with 1 h engine steps and sub-steps of 5 min (the preset's)
// and 1.25 min, whose medians (hourly crossings, so whole hours) are 1 h
// apart for the crossings and the slide, 0.1 % for Anchor and 2.8 % for
// the LUNA multiple (its halt is checked once per sub-step: a first-order
// overshoot). Before the arbitrageurs were competitive (they maximized
// each sub-step's profit, as a monopolist of the swap within the
// sub-step) the crossing of 0.5 and the slide moved by 4 hours and Anchor
// by 1.1 % here, and the test failed; docs/model.md has the convergence
// table.
func TestUSTLUNASubstepConvergence(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the preset twice")
	}
	const paths = 40
	sub := func(d time.Duration) func(*engine.Config) {
		return func(c *engine.Config) { c.Stablecoin.Model.Algorithmic.Substep = d }
	}
	coarse := runUST(t, paths, sub(5*time.Minute))
	fine := runUST(t, paths, sub(75*time.Second))
	t.Logf("5 min:    %v", coarse)
	t.Logf("1.25 min: %v", fine)
	hours, rel := closeness(t, "with 5 min sub-steps", "with 1.25 min")
	hours("first below 0.9", coarse.FirstBelow90, fine.FirstBelow90, 2)
	hours("first below 0.5", coarse.FirstBelow50, fine.FirstBelow50, 2)
	hours("hours from 0.9 to 0.5", coarse.Slide, fine.Slide, 2)
	rel("price at hour 71", coarse.PriceAt71, fine.PriceAt71, 0.01)
	rel("Anchor deposits at hour 68", coarse.AnchorAt68, fine.AnchorAt68, 0.01)
	rel("minimum in 7 days", coarse.Min7d, fine.Min7d, 0.03)
	rel("price at hour 240", coarse.FinalPrice, fine.FinalPrice, 0.03)
	rel("LUNA supply multiple", coarse.LUNAMultiple, fine.LUNAMultiple, 0.04)
	rel("UST supply at hour 240", coarse.SupplyLeft, fine.SupplyLeft, 0.02)
}

// closeness returns the checks of the convergence tests: hours, that two
// runs' hours (a in the run called aName, b in bName) are at most most
// apart; rel, that two values are within the fraction most of b.
func closeness(t *testing.T, aName, bName string) (hours, rel func(name string, a, b, most float64)) {
	hours = func(name string, a, b, most float64) {
		t.Helper()
		if !(math.Abs(a-b) <= most) {
			t.Errorf("%s: hour %.2f %s, %.2f %s: more than %g hours apart", name, a, aName, b, bName, most)
		}
	}
	rel = func(name string, a, b, most float64) {
		t.Helper()
		if !(math.Abs(a-b) <= most*math.Abs(b)) {
			t.Errorf("%s: %.6g %s, %.6g %s: more than %g %% apart", name, a, aName, b, bName, 100*most)
		}
	}
	return hours, rel
}
