package stochastic

import (
	"math"
	"testing"
	"time"

	"gonum.org/v1/gonum/stat/distuv"
)

// TestSelfExcitingStationaryIntensity: with constant signals, no baseline
// and no noise, λ_{t+1} = d·λ_t + (1−d)·L + n·(1−d)·λ_t has the fixed point
// L/(1−n); with noise (E[ε] = 1, no cap) the long-run mean of λ is the same.
func TestSelfExcitingStationaryIntensity(t *testing.T) {
	const seed = 31
	p := SelfExciting{HalfLife: 12 * time.Hour, Excitation: 0.6, Utilization: Trigger{Level: 0.8, Weight: 0.5}}
	sig := Signals{Utilization: 0.9} // L = 0.5·0.1 = 0.05 per day
	want := 0.05 / (1 - p.Excitation)
	s := p.NewSampler(hourYears)
	src := NewSource(seed, StreamWithdrawals)
	s.Reset(src)
	for range 2000 {
		s.Next(src, sig)
	}
	if got := s.Intensity(); math.Abs(got/want-1) > 1e-9 {
		t.Errorf("deterministic stationary intensity %v, want L/(1−n) = %v", got, want)
	}

	p.NoiseSigma = 0.8
	s = p.NewSampler(hourYears)
	var ib batchStats
	for path := range 20 {
		src.Seed(seed, uint64(path), StreamWithdrawals)
		s.Reset(src)
		for range 500 { // burn in (half-life 12 steps)
			s.Next(src, sig)
		}
		var sum float64
		for range 20000 {
			s.Next(src, sig)
			sum += s.Intensity()
		}
		ib.add(sum / 20000)
	}
	got, se := ib.meanSE()
	within(t, seed, "noisy stationary intensity", got, want, se, 4)
}

// TestSelfExcitingBranchingRatio: a one-step stimulus gives λ₁ = (1−d)·L;
// then λ_{t+1} = (d + n(1−d))·λ_t in expectation, so the total panic
// withdrawal Σ λ_t·Δ is P₀/(1−n) with P₀ = Δ·λ₁/(1−d) the direct effect (the
// total with n = 0): every unit of panic withdrawal causes n/(1−n) further
// units. Fractions are small here, so no request is capped.
func TestSelfExcitingBranchingRatio(t *testing.T) {
	const seed = 32
	const steps = 3000
	impulse := Signals{Drawdown: 0.5}
	total := func(p SelfExciting, src *Source) float64 {
		s := p.NewSampler(hourYears)
		s.Reset(src)
		var sum float64
		sum += s.Next(src, impulse)
		for range steps {
			sum += s.Next(src, Signals{})
		}
		return sum
	}
	for _, n := range []float64{0, 0.3, 0.8} {
		p := SelfExciting{HalfLife: 6 * time.Hour, Excitation: n, Drawdown: Trigger{Level: 0, Weight: 0.2}}
		days := hourYears * DaysPerYear
		d := math.Exp2(-days * 24 / 6)
		direct := days * (1 - d) * 0.2 * 0.5 / (1 - d)
		want := direct / (1 - n)
		src := NewSource(seed, StreamWithdrawals)
		if got := total(p, src); math.Abs(got/want-1) > 1e-6 {
			t.Errorf("n=%v: deterministic total panic %v, want direct/(1−n) = %v (further = %v)", n, got, want, direct*n/(1-n))
		}
		p.NoiseSigma = 1
		var tb batchStats
		for path := range 400 {
			src.Seed(seed, uint64(path), StreamWithdrawals)
			tb.add(total(p, src))
		}
		got, se := tb.meanSE()
		within(t, seed, "noisy total panic", got, want, se, 4)
	}
}

func TestThresholdDepositorsRunOnce(t *testing.T) {
	p := ThresholdDepositors{Cohorts: 4, Weights: SignalWeights{Drawdown: 1}, ThresholdMean: 0.5, ThresholdSpread: 0.2}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	th, sh := p.CohortThresholds()
	s := p.NewSampler(hourYears)
	src := NewSource(1, StreamWithdrawals)
	s.Reset(src)
	var got []float64
	var at []float64
	for k := 0; k <= 100; k++ {
		dd := float64(k) / 100
		if f := s.Next(src, Signals{Drawdown: dd}); f != 0 {
			got = append(got, f)
			at = append(at, dd)
		}
	}
	want := []float64{0.25, 1.0 / 3, 0.5, 1}
	if len(got) != 4 {
		t.Fatalf("cohorts ran at %v with fractions %v, want 4 runs", at, got)
	}
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-12 || sh[i] != 0.25 {
			t.Errorf("run %d: fraction %v, want %v", i, got[i], want[i])
		}
		if at[i] < th[i] || at[i]-0.01 >= th[i] {
			t.Errorf("run %d at index %v, want the first step ≥ threshold %v", i, at[i], th[i])
		}
	}
	s.Reset(src)
	if f := s.Next(src, Signals{Drawdown: 1}); f != 1 {
		t.Errorf("after Reset everyone runs at once: fraction %v, want 1", f)
	}

	p.ShareTilt = 1
	_, sh = p.CohortThresholds()
	var sum float64
	for i := range sh {
		sum += sh[i]
		if i > 0 && !(sh[i] > sh[i-1]) {
			t.Errorf("positive tilt: shares %v must increase with the threshold", sh)
		}
	}
	if math.Abs(sum-1) > 1e-12 {
		t.Errorf("shares sum to %v", sum)
	}
}

// TestThresholdDepositorsFirstStep: in the first step cohort i runs with
// probability Φ((θ − τ_i)/√(σ_I² + σ_P²)), so E[f] = Σ w_i·Φ(…).
func TestThresholdDepositorsFirstStep(t *testing.T) {
	const seed = 33
	p := ThresholdDepositors{Cohorts: 7, Weights: SignalWeights{Utilization: 1, Depeg: 3}, IndexNoise: 0.1, PrivateNoise: 0.15,
		ThresholdMean: 1, ThresholdSpread: 0.1, ShareTilt: -0.5}
	sig := Signals{Utilization: 0.95, Depeg: 0.02}
	th, sh := p.CohortThresholds()
	theta := 0.95 + 3*0.02
	sd := math.Hypot(p.IndexNoise, p.PrivateNoise)
	var want float64
	for i := range th {
		want += sh[i] * distuv.UnitNormal.CDF((theta-th[i])/sd)
	}
	s := p.NewSampler(hourYears)
	src := NewSource(seed, StreamWithdrawals)
	var fb batchStats
	for batch := range 20 {
		var sum float64
		for path := range 2000 {
			src.Seed(seed, uint64(batch*2000+path), StreamWithdrawals)
			s.Reset(src)
			sum += s.Next(src, sig)
		}
		fb.add(sum / 2000)
	}
	got, se := fb.meanSE()
	within(t, seed, "threshold first-step fraction", got, want, se, 4)
}

// TestWhalesMeanFraction: with N ~ Poisson(Λ) requests of capped Pareto
// size X, E[1 − Π(1 − X_j)] = 1 − E[(1 − E[min(1,X)])^N] = 1 − e^{−Λ·E[min(1,X)]}.
func TestWhalesMeanFraction(t *testing.T) {
	const seed = 34
	for _, p := range []Whales{{Rate: 0.5, MinSize: 0.02, Alpha: 1.5}, {Rate: 3, MinSize: 0.1, Alpha: 1}, {Rate: 20, MinSize: 0.001, Alpha: 0.8}} {
		dt := dayYears
		want := 1 - math.Exp(-p.Rate*p.MeanSize())
		s := p.NewSampler(dt)
		src := NewSource(seed, StreamWithdrawals)
		s.Reset(src)
		var fb batchStats
		for range 20 {
			var sum float64
			for range 5000 {
				f := s.Next(src, Signals{})
				if f < 0 || f > 1 {
					t.Fatalf("fraction %v outside [0, 1]", f)
				}
				sum += f
			}
			fb.add(sum / 5000)
		}
		got, se := fb.meanSE()
		within(t, seed, "whale mean fraction", got, want, se, 4)
		if s.Intensity() != 0 {
			t.Error("whales must carry no panic intensity")
		}
	}
}

type constBehaviour struct{ f, intensity float64 }

func (c constBehaviour) Validate() error                      { return nil }
func (c constBehaviour) NewSampler(float64) WithdrawalSampler { return &c }
func (c *constBehaviour) Reset(*Source)                       {}
func (c *constBehaviour) Next(*Source, Signals) float64       { return c.f }
func (c *constBehaviour) Intensity() float64                  { return c.intensity }

func TestCombined(t *testing.T) {
	p := Combined{Parts: []WithdrawalBehaviour{constBehaviour{0.2, 0.01}, constBehaviour{0.5, 0.03}, constBehaviour{0, 0}}}
	s := p.NewSampler(hourYears)
	s.Reset(nil)
	if f := s.Next(nil, Signals{}); math.Abs(f-0.6) > 1e-15 {
		t.Errorf("combined fraction %v, want 1 − 0.8·0.5 = 0.6", f)
	}
	if i := s.Intensity(); math.Abs(i-0.04) > 1e-15 {
		t.Errorf("combined intensity %v, want 0.04", i)
	}
	if err := (Combined{}).Validate(); err == nil {
		t.Error("empty Combined accepted")
	}
	err := Combined{Parts: []WithdrawalBehaviour{Whales{Rate: -1, MinSize: 0.1, Alpha: 2}, nil}}.Validate()
	if err == nil || !contains(err.Error(), "parts.0.rate: ") || !contains(err.Error(), "parts.1: missing") {
		t.Errorf("Combined errors %q, want parts.0.rate and parts.1", err)
	}
}
