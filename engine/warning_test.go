package engine

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/spiralrisk/spiral/stochastic"
)

// firstCrossings recomputes the indicators' first crossings from a series
// recorded at every step.
func firstCrossings(series []SeriesPoint, w Warnings) [NumIndicators]float64 {
	var out [NumIndicators]float64
	for i := range out {
		out[i] = math.NaN()
	}
	for _, p := range series {
		depeg := 0.0
		if p.PegPrice > 0 {
			depeg = max(0, 1-p.PegPrice)
		}
		values := [NumIndicators]float64{p.Utilization, p.BorrowAPR, p.QueueUSD / max(p.DepositsUSD, 1e-300), depeg, p.Drawdown}
		for i, v := range values {
			if t := w.Threshold(Indicator(i)); t > 0 && v >= t && math.IsNaN(out[i]) {
				out[i] = p.Hour
			}
		}
	}
	return out
}

// The summary's first crossings are those of the traced series, and the
// lead times are the differences with the first unmet withdrawal and the
// first bad debt, for a plain pool, a liquidation crash and thresholds
// that some paths never reach.
func TestWarningHoursMatchSeries(t *testing.T) {
	plain := testConfig(30)
	plain.Trace.Paths = 30
	plain.Withdrawals = stochastic.SelfExciting{Baseline: 0.03, HalfLife: 12 * time.Hour, Excitation: 0.6, NoiseSigma: 0.5,
		Utilization: stochastic.Trigger{Level: 0.95, Weight: 2},
		Drawdown:    stochastic.Trigger{Level: 0.15, Weight: 1},
		UnmetQueue:  stochastic.Trigger{Level: 0, Weight: 3}}
	plain.Warnings = Warnings{Utilization: 0.95, BorrowAPR: 0.3, Queue: 0.002, Depeg: 0.01, Drawdown: 0.2}
	crash := crashConfig(t, 20)
	crash.Trace.Paths = 20
	crash.Warnings = DefaultWarnings()
	for name, cfg := range map[string]*Config{"plain": plain, "crash": crash} {
		c := run(t, cfg, Options{Workers: 2})
		var crossed, never [NumIndicators]int
		var leadsBoth, badDebt int
		for _, s := range c.rows {
			want := firstCrossings(c.series[s.Path], cfg.Warnings)
			for i := range NumIndicators {
				got := s.WarningHour[i]
				if math.Float64bits(got) != math.Float64bits(want[i]) {
					t.Fatalf("%s: seed %d path %d: %v crossed at %v, the series says %v", name, cfg.Seed, s.Path, Indicator(i), got, want[i])
				}
				if math.IsNaN(got) {
					never[i]++
				} else {
					crossed[i]++
				}
				lead := s.LeadBeforeUnmet(Indicator(i))
				if math.IsNaN(got) || math.IsNaN(s.FirstUnmetHour) {
					if !math.IsNaN(lead) {
						t.Fatalf("%s: path %d: lead %v with a missing event", name, s.Path, lead)
					}
				} else if lead != s.FirstUnmetHour-got {
					t.Fatalf("%s: path %d: lead %v, want %v", name, s.Path, lead, s.FirstUnmetHour-got)
				} else {
					leadsBoth++
				}
			}
			if !math.IsNaN(s.FirstBadDebtHour) {
				badDebt++
				if s.BadDebtUSD <= 0 {
					t.Fatalf("%s: path %d: first bad debt at %v h but no bad debt", name, s.Path, s.FirstBadDebtHour)
				}
			} else if s.RealizedBadDebtUSD > 0 {
				t.Fatalf("%s: path %d: realized bad debt %v without a first bad-debt hour", name, s.Path, s.RealizedBadDebtUSD)
			}
		}
		// The test must see crossings and non-crossings, and lead times.
		if crossed[IndicatorUtilization] == 0 || crossed[IndicatorQueue] == 0 || never[IndicatorDepeg] != len(c.rows) || leadsBoth == 0 {
			t.Fatalf("%s: crossed %v, never %v, %d lead times: the test proves little", name, crossed, never, leadsBoth)
		}
		if name == "crash" && (badDebt == 0 || crossed[IndicatorDrawdown] == 0) {
			t.Fatalf("crash: %d paths with bad debt, %d drawdown crossings: the test proves little", badDebt, crossed[IndicatorDrawdown])
		}
	}
}

// A scripted crash: the drawdown indicator and the first bad debt are
// exact, the lead times signed.
func TestWarningScriptedCrash(t *testing.T) {
	// One position with HF 1.5 at $100 (LT 0.83, bonus 5 %). The price
	// falls to 90 at step 2 (drawdown 10 %), 50 at step 4 (50 %: HF 0.75,
	// LTV 1.11 > 1/1.05, toxic) and stays.
	book := onePosition(t, 1000, 100*1000*0.83/1.5)
	cfg := quietConfig(book, steps{Initial: 100, Prices: []float64{100, 90, 90, 50}}, 10)
	cfg.Liquidation.Keepers.MinProfitUSD = 1e9 // nobody liquidates: the bad debt stays unrealized
	cfg.Warnings = Warnings{Drawdown: 0.05, Utilization: 0.999}
	s, _ := runOne(t, cfg)
	if s.WarningHour[IndicatorDrawdown] != 2 {
		t.Errorf("drawdown crossed at %v h, want 2", s.WarningHour[IndicatorDrawdown])
	}
	if s.FirstBadDebtHour != 4 || s.RealizedBadDebtUSD != 0 || s.UnrealizedBadDebtUSD <= 0 {
		t.Errorf("first bad debt at %v h (realized %v, unrealized %v), want 4 h, unrealized only", s.FirstBadDebtHour, s.RealizedBadDebtUSD, s.UnrealizedBadDebtUSD)
	}
	if got := s.LeadBeforeBadDebt(IndicatorDrawdown); got != 2 {
		t.Errorf("lead before bad debt %v, want 2", got)
	}
	for _, i := range []Indicator{IndicatorUtilization, IndicatorBorrowAPR, IndicatorQueue, IndicatorDepeg} {
		if !math.IsNaN(s.WarningHour[i]) || !math.IsNaN(s.LeadBeforeBadDebt(i)) || !math.IsNaN(s.LeadBeforeUnmet(i)) {
			t.Errorf("%v: crossed at %v (off or never reached)", i, s.WarningHour[i])
		}
	}
	if !math.IsNaN(s.LeadBeforeUnmet(IndicatorDrawdown)) {
		t.Errorf("lead before unmet %v without unmet withdrawals", s.LeadBeforeUnmet(IndicatorDrawdown))
	}

	// A drawdown threshold reached only after the bad debt: negative lead.
	cfg.Warnings = Warnings{Drawdown: 0.55}
	cfg.Price = steps{Initial: 100, Prices: []float64{100, 90, 90, 50, 50, 40}}
	s, _ = runOne(t, cfg)
	if s.WarningHour[IndicatorDrawdown] != 6 || s.LeadBeforeBadDebt(IndicatorDrawdown) != -2 {
		t.Errorf("drawdown crossed at %v h, lead %v; want 6 h, −2 h", s.WarningHour[IndicatorDrawdown], s.LeadBeforeBadDebt(IndicatorDrawdown))
	}

	// Keepers liquidate: the bad debt is realized in the same step.
	cfg.Liquidation.Keepers.MinProfitUSD = 0
	s, _ = runOne(t, cfg)
	if s.FirstBadDebtHour != 4 || s.RealizedBadDebtUSD <= 0 {
		t.Errorf("first bad debt at %v h (realized %v), want 4 h", s.FirstBadDebtHour, s.RealizedBadDebtUSD)
	}
}

// Without positions there is never bad debt; zero thresholds are off.
func TestWarningsOff(t *testing.T) {
	cfg := testConfig(10)
	for _, s := range run(t, cfg, Options{Workers: 1}).rows {
		if !math.IsNaN(s.FirstBadDebtHour) {
			t.Fatalf("path %d: bad debt without positions at %v h", s.Path, s.FirstBadDebtHour)
		}
		for i, h := range s.WarningHour {
			if !math.IsNaN(h) {
				t.Fatalf("path %d: %v crossed at %v h with every indicator off", s.Path, Indicator(i), h)
			}
		}
	}
}

// An indicator fires once, at its first step at or above its threshold,
// and never when it is off, whatever the signal (even +Inf, as an unpaid
// queue over deposits that ran to 0 can be).
func TestObserveWarningsFiresOnce(t *testing.T) {
	cfg := testConfig(1)
	cfg.Warnings = Warnings{Utilization: 0.9} // the others off
	r := newPathRunner(cfg)
	var s Summary
	r.resetWarnings(&s)
	inf := math.Inf(1)
	steps := []stochastic.Signals{
		{Utilization: 0.89, UnmetQueue: inf, Depeg: inf, Drawdown: inf},
		{Utilization: 0.9, UnmetQueue: inf},
		{Utilization: 0.95},
	}
	for k, sig := range steps {
		r.observeWarnings(k+1, &s, inf, &sig)
	}
	for i := range NumIndicators {
		want := math.NaN()
		if Indicator(i) == IndicatorUtilization {
			want = 2 * cfg.Step.Hours()
		}
		if got := s.WarningHour[i]; math.Float64bits(got) != math.Float64bits(want) {
			t.Errorf("%v: first crossing %v, want %v", Indicator(i), got, want)
		}
	}
}

func TestWarningsValidate(t *testing.T) {
	if err := DefaultWarnings().Validate(); err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(1)
	cfg.Warnings = Warnings{Utilization: 1.5, BorrowAPR: math.NaN(), Queue: -0.1, Depeg: math.Inf(1), Drawdown: 2}
	var got []string
	for _, err := range Problems(cfg.Validate()) {
		got = append(got, err.Error())
	}
	for _, want := range []string{"outputs.warnings.utilization: must be in [0, 1], got 1.5", "outputs.warnings.borrow_apr: must be in [0, 100], got NaN",
		"outputs.warnings.queue: ", "outputs.warnings.depeg: ", "outputs.warnings.drawdown: "} {
		found := false
		for _, g := range got {
			found = found || strings.HasPrefix(g, want)
		}
		if !found {
			t.Errorf("no problem %q in %q", want, got)
		}
	}
	if len(got) != 5 {
		t.Errorf("%d problems, want 5: %q", len(got), got)
	}
	if Indicator(9).String() != "Indicator(9)" || IndicatorBorrowAPR.String() != "borrow_apr" {
		t.Error("indicator names")
	}
}

// The columns: one first-crossing and two lead columns per indicator, all
// nullable, after first_bad_debt_hour.
func TestWarningColumns(t *testing.T) {
	names := map[string]bool{}
	for _, c := range SummaryColumns {
		if names[c.Name] {
			t.Fatalf("column %s twice", c.Name)
		}
		names[c.Name] = true
	}
	for k := range NumIndicators {
		n := Indicator(k).String()
		for _, c := range []string{"warn_" + n + "_hour", "warn_" + n + "_lead_unmet_hours", "warn_" + n + "_lead_bad_debt_hours"} {
			if !names[c] {
				t.Errorf("no column %s", c)
			}
		}
	}
	if !names["first_bad_debt_hour"] {
		t.Error("no column first_bad_debt_hour")
	}
	s := Summary{FirstUnmetHour: 10, FirstBadDebtHour: math.NaN()}
	s.WarningHour[IndicatorQueue] = 14
	for _, c := range SummaryColumns {
		switch c.Name {
		case "warn_queue_lead_unmet_hours":
			if v := c.Value(&s); v != -4 {
				t.Errorf("%s = %v, want −4", c.Name, v)
			}
		case "warn_queue_lead_bad_debt_hours":
			if v := c.Value(&s); !math.IsNaN(v) {
				t.Errorf("%s = %v, want NaN", c.Name, v)
			}
		}
		if strings.HasPrefix(c.Name, "warn_") && !c.Nullable {
			t.Errorf("%s is not nullable", c.Name)
		}
	}
}

// Paths with every indicator on allocate nothing, with and without a
// position book and a policy.
func TestWarningPathDoesNotAllocate(t *testing.T) {
	plain := testConfig(4)
	plain.Warnings = DefaultWarnings()
	crash := crashConfig(t, 4)
	crash.Warnings = DefaultWarnings()
	for name, cfg := range map[string]*Config{"plain": plain, "crash": crash} {
		assertNoAllocs(t, name, cfg)
	}
}
