package experiments

import (
	"context"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/spiralrisk/spiral/engine"
	"github.com/spiralrisk/spiral/stochastic"
)

// A deterministic market: constant price (zero volatility), no interest
// (zero rates), nobody withdraws, deposits or borrows on their own. One
// position with health factor 1.5; the DEX is infinitely deep, so the
// oracle shows the exogenous price.
const quietMarket = `name: quiet
paths: 4
horizon: 3d
step: 1h
market:
  price: {model: gbm, initial: 2000, volatility: 0}
pool:
  deposits: 1e6
  utilization: 0.5
  rate_model: {model: kinked, slope1: 0, slope2: 0, optimal: 0.9}
depositors:
  withdrawals: {model: self_exciting, baseline: 0}
`

const onePositionBook = `positions:
  count: 1
  debt_share: 1
  size_alpha: 2
  median_health: 1.5
  liquidation_threshold: 0.8
liquidators:
  capacity_usd: 1e9
  dex: {depth_usd: 0}
`

// quietConfig is the quiet market with extra keys, 20 paths (all alike).
func quietConfig(t *testing.T, extra string) *engine.Config {
	t.Helper()
	s := mustParse(t, "quiet.yaml", quietMarket+extra)
	s.Paths = 20
	return mustConfig(t, s)
}

func mustTarget(t *testing.T, s string) Target {
	t.Helper()
	tg, err := ParseTarget(s)
	if err != nil {
		t.Fatal(err)
	}
	return tg
}

// checkBracket checks a bracketed result against the known breakpoint.
func checkBracket(t *testing.T, res *BreakpointResult, want, tol float64) {
	t.Helper()
	if res.Status != BreakpointBracketed {
		t.Fatalf("status %s, want %s: %+v", res.Status, BreakpointBracketed, res)
	}
	if !(res.Lo < want && want <= res.Hi) || res.Width > tol || res.Width != res.Hi-res.Lo {
		t.Fatalf("bracket [%v, %v] (width %v) does not hold the breakpoint %v within %v", res.Lo, res.Hi, res.Width, want, tol)
	}
	if !res.Monotone || len(res.Straddling) != 0 {
		t.Errorf("a deterministic market: monotone %v, straddling %v", res.Monotone, res.Straddling)
	}
	if !(res.SafeBelow == res.Lo && res.BreachAt == res.Hi) {
		t.Errorf("confident bracket [%v, %v], want the bracket [%v, %v]", res.SafeBelow, res.BreachAt, res.Lo, res.Hi)
	}
	for _, p := range res.Points {
		// Deterministic: every path alike, P is 0 or 1 and its interval
		// excludes the other.
		if breached := p.Size >= want; p.Breached != breached || p.Events != map[bool]int{true: p.Paths}[breached] {
			t.Errorf("size %v: %d of %d paths breached, want breached = %v", p.Size, p.Events, p.Paths, breached)
		}
		if !(p.CILow <= p.P && p.P <= p.CIHigh) {
			t.Errorf("size %v: P %v outside [%v, %v]", p.Size, p.P, p.CILow, p.CIHigh)
		}
	}
}

// One position with HF h, collateral C at price p₀ and debt D leaves bad
// debt D − C·p/(1 + bonus) when the price falls to p (liquidated to
// exhaustion or not): bad debt exceeds X exactly when the drop exceeds
// d* = 1 − (D − X)(1 + bonus)/(C·p₀) (with C·p₀ = h·D/LT:
// 1 − (1 − X/D)(1 + bonus)·LT/h ≈ 0.441).
func TestBreakpointPriceDropKnownThreshold(t *testing.T) {
	cfg := quietConfig(t, onePositionBook)
	pos := cfg.Liquidation.Book.At(0)
	const x = 1000.0
	p0 := 2000.0
	want := 1 - (pos.ScaledDebt-x)*(1+cfg.Liquidation.Rules.Bonus)/(pos.Collateral*p0)
	if math.Abs(want-0.441) > 0.001 {
		t.Fatalf("the book is not as built: breakpoint %v", want)
	}
	const tol = 1e-3
	res, err := Breakpoint(context.Background(), cfg, BreakpointOptions{
		Shock: ShockPriceDrop, Target: mustTarget(t, "bad_debt_usd > 1000"), Prob: 0.5,
		Lo: 0, Hi: 0.9, Tol: tol, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	checkBracket(t, res, want, tol)
	if res.At != 24*time.Hour || res.Paths != 20 || res.Seed != 1 || res.Target != "bad_debt_usd>1000" {
		t.Errorf("result facts %+v", res)
	}
}

// A wave of w × deposits against cash (1 − U) × deposits leaves
// w − (1 − U) of the deposits stuck: stuck_share > 0.1 from w* = 0.6.
func TestBreakpointWithdrawalWaveKnownThreshold(t *testing.T) {
	cfg := quietConfig(t, "")
	const tol = 0.002
	res, err := Breakpoint(context.Background(), cfg, BreakpointOptions{
		Shock: ShockWithdrawalWave, Target: mustTarget(t, "stuck_share>0.1"), Prob: 0.5,
		Lo: 0.25, Hi: 1, Tol: tol, At: 12 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	// At exactly 0.6 the stuck share is 0.1 up to rounding: not a test point.
	for _, p := range res.Points {
		if math.Abs(p.Size-0.6) < 1e-9 {
			t.Fatalf("evaluated the threshold itself")
		}
	}
	checkBracket(t, res, 0.6, tol)
}

// The same seed gives the same result, for any number of workers; the
// target's probability rises through the search range.
func TestBreakpointReproducible(t *testing.T) {
	sc := mustParse(t, "noisy.yaml", strings.Replace(quietMarket, "volatility: 0", "volatility: 1.2", 1)+
		strings.Replace(onePositionBook, "count: 1\n", "count: 50\n  health_spread: 0.6\n", 1))
	sc.Paths = 200
	cfg := mustConfig(t, sc)
	opts := BreakpointOptions{Shock: ShockPriceDrop, Target: mustTarget(t, "bad_debt_usd>0"), Prob: 0.1,
		Lo: 0, Hi: 0.9, Tol: 0.02, Workers: 1}
	a, err := Breakpoint(context.Background(), cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	opts.Workers = 3
	var seen int
	opts.Progress = func(BreakpointPoint) { seen++ }
	b, err := Breakpoint(context.Background(), cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("seed %d: two runs differ:\n%+v\n%+v", cfg.Seed, a, b)
	}
	if seen != len(b.Points) || a.Status != BreakpointBracketed || len(a.Points) < 5 {
		t.Fatalf("seed %d: %d progress calls, %+v", cfg.Seed, seen, a)
	}
	first, last := a.Points[0], a.Points[1]
	if !(first.Size == 0 && first.P < 0.1 && last.Size == 0.9 && last.P > 0.5) {
		t.Fatalf("seed %d: P %v at 0, %v at 0.9", cfg.Seed, first.P, last.P)
	}
}

// A shock of size 0 changes nothing (the wrappers draw nothing of their
// own), and the shocks change what they should.
func TestShockApply(t *testing.T) {
	sc := mustParse(t, "noisy.yaml", strings.Replace(quietMarket, "volatility: 0", "volatility: 1.2", 1)+
		strings.Replace(onePositionBook, "depth_usd: 0", "depth_usd: 1e6", 1))
	sc.Paths = 20
	cfg := mustConfig(t, sc)
	ref := summaries(t, cfg)
	for _, k := range Shocks {
		c, err := k.Apply(cfg, 0, 5*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if got := summaries(t, c); !sameSummaries(got, ref) {
			t.Errorf("%s of size 0 changes the results", k)
		}
	}
	c, err := ShockLiquidityHaircut.Apply(cfg, 0.75, time.Hour)
	if err != nil || c.Liquidation.DEX.DepthUSD != 2.5e5 || cfg.Liquidation.DEX.DepthUSD != 1e6 {
		t.Errorf("haircut: %v, depth %v (original %v)", err, c.Liquidation.DEX.DepthUSD, cfg.Liquidation.DEX.DepthUSD)
	}
	c, err = ShockPriceDrop.Apply(cfg, 0.3, 5*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	s := c.Price.NewSampler(c.Dt())
	base := cfg.Price.NewSampler(cfg.Dt())
	src := [2]*stochastic.Source{stochastic.NewSource(cfg.Seed, stochastic.StreamPrice), stochastic.NewSource(cfg.Seed, stochastic.StreamPrice)}
	s.Reset(src[0])
	base.Reset(src[1])
	for step := 1; step <= 8; step++ {
		got, want := s.Next(src[0]), base.Next(src[1])
		level := 1.0
		if step >= 5 {
			level = 0.7
		}
		if math.Abs(got/want-level) > 1e-12 {
			t.Fatalf("step %d: price %v, base %v: level %v, want %v", step, got, want, got/want, level)
		}
	}
	for _, bad := range []struct {
		k    Shock
		size float64
		at   time.Duration
	}{{ShockPriceDrop, 1, time.Hour}, {ShockPriceDrop, -0.1, time.Hour}, {ShockWithdrawalWave, 1.01, time.Hour},
		{ShockPriceDrop, math.NaN(), time.Hour}, {ShockPriceDrop, 0.1, 0}, {ShockPriceDrop, 0.1, 90 * time.Minute},
		{ShockWithdrawalWave, 0.1, 4 * 24 * time.Hour}, {"crash", 0.1, time.Hour}} {
		if _, err := bad.k.Apply(cfg, bad.size, bad.at); err == nil {
			t.Errorf("%s size %v at %v accepted", bad.k, bad.size, bad.at)
		}
	}
	if _, err := ShockLiquidityHaircut.Apply(quietConfig(t, ""), 0.1, time.Hour); err == nil {
		t.Error("a haircut without a DEX accepted")
	}
}

func summaries(t *testing.T, cfg *engine.Config) []engine.Summary {
	t.Helper()
	var out collectSummaries
	if err := engine.Run(context.Background(), cfg, engine.Options{Workers: 2}, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

type collectSummaries []engine.Summary

// sameSummaries compares every column bit for bit (NaN equals NaN).
func sameSummaries(a, b []engine.Summary) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		for _, c := range engine.SummaryColumns {
			if math.Float64bits(c.Value(&a[i])) != math.Float64bits(c.Value(&b[i])) {
				return false
			}
		}
	}
	return true
}

func (c *collectSummaries) Write(batch []engine.PathResult) error {
	for i := range batch {
		*c = append(*c, batch[i].Summary)
	}
	return nil
}

func TestParseTarget(t *testing.T) {
	for _, tc := range []struct {
		in, want string
	}{{"bad_debt_usd>1e6", "bad_debt_usd>1e+06"}, {" stuck_share >= 0.05 ", "stuck_share>=0.05"},
		{"min_price_usd<1_000", "min_price_usd<1000"}, {"first_unmet_withdrawal_hour<=48", "first_unmet_withdrawal_hour<=48"}} {
		tg, err := ParseTarget(tc.in)
		if err != nil || tg.String() != tc.want {
			t.Errorf("%q: %v, %v; want %s", tc.in, tg, err, tc.want)
		}
	}
	s := engine.Summary{BadDebtUSD: 2e6, FirstUnmetHour: math.NaN()}
	if !mustTarget(t, "bad_debt_usd>1e6").Hit(&s) || mustTarget(t, "bad_debt_usd>2e6").Hit(&s) || !mustTarget(t, "bad_debt_usd>=2e6").Hit(&s) {
		t.Error("comparisons")
	}
	if mustTarget(t, "first_unmet_withdrawal_hour<48").Hit(&s) {
		t.Error("a null event time hits")
	}
	for _, bad := range []string{"bad_debt_usd", "bad_debt>1e6", "bad_debt_usd>x", "bad_debt_usd>nan", ">1", "bad_debt_usd=1"} {
		if _, err := ParseTarget(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if _, err := ParseTarget("bad_det_usd>1"); err == nil || !strings.Contains(err.Error(), `did you mean "bad_debt_usd"`) {
		t.Errorf("no hint: %v", err)
	}
}

func TestBreakpointOptionsValidate(t *testing.T) {
	cfg := quietConfig(t, "")
	tg := mustTarget(t, "stuck_share>0")
	ok := BreakpointOptions{Shock: ShockWithdrawalWave, Target: tg, Prob: 0.05, Lo: 0, Hi: 1, Tol: 0.01}
	if err := ok.Validate(cfg); err != nil {
		t.Fatal(err)
	}
	for name, mod := range map[string]func(o *BreakpointOptions){
		"prob 0":          func(o *BreakpointOptions) { o.Prob = 0 },
		"prob 1":          func(o *BreakpointOptions) { o.Prob = 1 },
		"lo ≥ hi":         func(o *BreakpointOptions) { o.Lo = 0.5; o.Hi = 0.5 },
		"hi 1 for a drop": func(o *BreakpointOptions) { o.Shock = ShockPriceDrop },
		"tol 0":           func(o *BreakpointOptions) { o.Tol = 0 },
		"tol NaN":         func(o *BreakpointOptions) { o.Tol = math.NaN() },
		"at off grid":     func(o *BreakpointOptions) { o.At = 30 * time.Minute },
		"unknown shock":   func(o *BreakpointOptions) { o.Shock = "flood" },
		"no target":       func(o *BreakpointOptions) { o.Target = Target{} },
		"one evaluation":  func(o *BreakpointOptions) { o.MaxEvals = 1 },
		"haircut, no DEX": func(o *BreakpointOptions) { o.Shock = ShockLiquidityHaircut; o.Hi = 0.5 },
	} {
		o := ok
		mod(&o)
		if err := o.Validate(cfg); err == nil {
			t.Errorf("%s: accepted", name)
		}
		if _, err := Breakpoint(context.Background(), cfg, o); err == nil {
			t.Errorf("%s: Breakpoint ran", name)
		}
	}
}

// The ends of the search: breached already at lo, or not even at hi.
func TestBreakpointOutsideRange(t *testing.T) {
	cfg := quietConfig(t, "")
	res, err := Breakpoint(context.Background(), cfg, BreakpointOptions{Shock: ShockWithdrawalWave,
		Target: mustTarget(t, "stuck_share>0.1"), Prob: 0.5, Lo: 0.7, Hi: 1, Tol: 0.01})
	if err != nil || res.Status != BreakpointAtLo || len(res.Points) != 1 {
		t.Fatalf("%v %+v", err, res)
	}
	res, err = Breakpoint(context.Background(), cfg, BreakpointOptions{Shock: ShockWithdrawalWave,
		Target: mustTarget(t, "stuck_share>0.1"), Prob: 0.5, Lo: 0, Hi: 0.55, Tol: 0.01})
	if err != nil || res.Status != BreakpointNotReached || len(res.Points) != 2 || !math.IsNaN(res.BreachAt) || res.SafeBelow != 0.55 {
		t.Fatalf("%v %+v", err, res)
	}
}
