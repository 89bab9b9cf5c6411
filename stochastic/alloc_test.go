package stochastic

import (
	"testing"
	"time"
)

func TestSamplersDoNotAllocate(t *testing.T) {
	hist := []float64{100, 101, 99, 98, 102, 103, 101, 100}
	rets := []float64{0.01, -0.02, 0.005, 0.015, -0.01}
	gbm := GBM{Initial: 100, Drift: 0.1, Volatility: 0.8}
	garch := GARCHT{Initial: 100, Interval: 24 * time.Hour, Omega: 4e-5, Alpha: 0.1, Beta: 0.85, Nu: 5}
	prices := map[string]PriceProcess{
		"gbm":              gbm,
		"merton":           Merton{Initial: 100, Drift: 0.1, Volatility: 0.5, JumpIntensity: 100, JumpMean: -0.05, JumpStdDev: 0.1},
		"garch_t hourly":   garch,
		"regime_switching": RegimeSwitching{Initial: 100, Calm: Regime{0.1, 0.5}, Stress: Regime{-1, 1.5}, CalmToStress: 50, StressToCalm: 200, Start: StartStationary},
		"historical":       Historical{Prices: hist, Interval: time.Hour},
		"bootstrap hourly": Bootstrap{Initial: 100, LogReturns: rets, Interval: 24 * time.Hour, BlockLength: 2},
		"scripted":         Scripted{Base: gbm, Points: []ShockPoint{{At: 2 * time.Hour, Level: 0.5}, {At: 10 * time.Hour, Level: 1}}},
		"bridged garch":    Bridged{Base: garch, At: 5 * time.Hour, Level: 0.7},
	}
	for name, p := range prices {
		if err := p.Validate(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		s := p.NewSampler(hourYears)
		src := NewSource(1, StreamPrice)
		if a := testing.AllocsPerRun(100, func() {
			s.Reset(src)
			for range 30 {
				s.Next(src)
			}
		}); a != 0 {
			t.Errorf("%s sampler: %v allocations per path, want 0", name, a)
		}
	}
	corr, err := NewCorrelated([]GBM{gbm, gbm}, [][]float64{{1, 0.5}, {0.5, 1}})
	if err != nil {
		t.Fatal(err)
	}
	cs := corr.NewSampler(hourYears)
	buf := make([]float64, 2)
	src := NewSource(1, StreamPrice)
	if a := testing.AllocsPerRun(100, func() {
		cs.Reset(src, buf)
		for range 30 {
			cs.Next(src, buf)
		}
	}); a != 0 {
		t.Errorf("correlated sampler: %v allocations per path, want 0", a)
	}

	self := SelfExciting{Baseline: 0.001, HalfLife: 6 * time.Hour, Excitation: 0.5, NoiseSigma: 0.5, Drawdown: Trigger{Level: 0.1, Weight: 1}}
	thr := ThresholdDepositors{Cohorts: 10, Weights: SignalWeights{Drawdown: 1}, IndexNoise: 0.1, PrivateNoise: 0.1, ThresholdMean: 0.3, ThresholdSpread: 0.1}
	whales := Whales{Rate: 2, MinSize: 0.01, Alpha: 1.5}
	withdrawals := map[string]WithdrawalBehaviour{
		"self_exciting": self,
		"thresholds":    thr,
		"whales":        whales,
		"combined":      Combined{Parts: []WithdrawalBehaviour{self, thr, whales}},
	}
	for name, b := range withdrawals {
		if err := b.Validate(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		s := b.NewSampler(hourYears)
		src := NewSource(1, StreamWithdrawals)
		sig := Signals{Drawdown: 0.4, Utilization: 0.9}
		if a := testing.AllocsPerRun(100, func() {
			s.Reset(src)
			for range 30 {
				s.Next(src, sig)
				s.Intensity()
			}
		}); a != 0 {
			t.Errorf("%s sampler: %v allocations per path, want 0", name, a)
		}
	}
}

// TestSamplersReproducible: a sampler re-seeded to the same key repeats its
// path bit for bit, and a different path key gives a different path.
func TestSamplersReproducible(t *testing.T) {
	gbm := GBM{Initial: 100, Drift: 0.1, Volatility: 0.8}
	garch := GARCHT{Initial: 100, Interval: 24 * time.Hour, Omega: 4e-5, Alpha: 0.1, Beta: 0.85, Nu: 5}
	for _, p := range []PriceProcess{
		gbm, garch,
		Merton{Initial: 100, Volatility: 0.5, JumpIntensity: 100, JumpMean: -0.05, JumpStdDev: 0.1},
		RegimeSwitching{Initial: 100, Calm: Regime{0.1, 0.5}, Stress: Regime{-1, 1.5}, CalmToStress: 50, StressToCalm: 200, Start: StartStationary},
		Bootstrap{Initial: 100, LogReturns: []float64{0.01, -0.02, 0.005, 0.015}, Interval: time.Hour, BlockLength: 2},
		Bridged{Base: Scripted{Base: garch, Points: []ShockPoint{{At: 3 * time.Hour, Level: 0.5}}}, At: 20 * time.Hour, Level: 0.9},
	} {
		s := p.NewSampler(hourYears)
		src := NewSource(7, StreamPrice)
		run := func(path uint64) []float64 {
			src.Seed(7, path, StreamPrice)
			out := []float64{s.Reset(src)}
			for range 50 {
				out = append(out, s.Next(src))
			}
			return out
		}
		a, b, c := run(3), run(3), run(4)
		same := true
		for i := range a {
			if a[i] != b[i] {
				t.Fatalf("%T: path 3 differs on re-run at step %d: %v vs %v", p, i, a[i], b[i])
			}
			if i > 0 && a[i] != c[i] {
				same = false
			}
		}
		if same {
			t.Errorf("%T: paths 3 and 4 are identical", p)
		}
	}
}
