package stochastic

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// Trigger turns one stress signal into panic: while the signal s is above
// Level it pushes the panic intensity toward Weight·(s − Level) per day.
type Trigger struct {
	// Level is the signal value above which the trigger acts, in [0, 1]
	// (signals are fractions). A zero Weight disables the trigger.
	Level float64
	// Weight is the panic intensity (fraction of the balance per day) added
	// per unit of signal above Level, in [0, 100].
	Weight float64
}

func (t Trigger) excess(s float64) float64 {
	if s <= t.Level {
		return 0
	}
	return t.Weight * (s - t.Level)
}

// SelfExciting is a discrete-time Hawkes-like withdrawal process. With step
// Δ (days) and decay d = 2^(−Δ/HalfLife), the fraction of the not-yet-queued
// balance requested in a step is
//
//	f_t = min(1, (Baseline + λ_t)·Δ·ε_t),   ε_t = exp(σZ − σ²/2), E[ε] = 1,
//
// and the panic intensity λ (fraction per day) evolves as
//
//	λ_{t+1} = d·λ_t + (1 − d)·L_t + κ·p_t,   κ = n·(1 − d)/Δ,
//
// where L_t = Σ_k Weight_k·max(0, s_k − Level_k) is the level the signals push
// toward, p_t = min(f_t, λ_t·Δ·ε_t) is this step's panic withdrawal, and n is
// the branching ratio (Excitation): a unit of panic withdrawal causes n units
// of further panic withdrawal in expectation over the following steps, so one
// shock's total effect is multiplied by 1/(1 − n). Under constant signals λ
// settles at L/(1 − n). The signals come from the engine.
type SelfExciting struct {
	// Baseline is the calm withdrawal rate, fraction of the balance per day,
	// in [0, 1].
	Baseline float64
	// HalfLife is the time for panic intensity to halve without new
	// stimulus, in [1m, 365d].
	HalfLife time.Duration
	// Excitation is the branching ratio n, in [0, 1): expected further panic
	// withdrawals caused by one unit of panic withdrawal.
	Excitation float64
	// NoiseSigma σ is the standard deviation of the log of the multiplicative
	// lognormal noise on each step's requests (mean 1), in [0, 3].
	NoiseSigma float64
	// Triggers by signal. Their Level is a fraction; see [Signals].
	Utilization, Drawdown, UnmetQueue, Depeg, BadDebt Trigger
}

// Validate reports all parameters outside their ranges.
func (p SelfExciting) Validate() error {
	var errs []error
	if !(p.Baseline >= 0 && p.Baseline <= 1) {
		errs = append(errs, fmt.Errorf("baseline: must be in [0, 1] per day, got %v", p.Baseline))
	}
	if p.HalfLife < time.Minute || p.HalfLife > 365*24*time.Hour {
		errs = append(errs, fmt.Errorf("half_life: must be in [1m, 365d], got %v", p.HalfLife))
	}
	if !(p.Excitation >= 0 && p.Excitation < 1) {
		errs = append(errs, fmt.Errorf("excitation: (branching ratio) must be in [0, 1), got %v", p.Excitation))
	}
	if !(p.NoiseSigma >= 0 && p.NoiseSigma <= 3) {
		errs = append(errs, fmt.Errorf("noise_sigma: must be in [0, 3], got %v", p.NoiseSigma))
	}
	for _, t := range []struct {
		name string
		t    Trigger
	}{{"utilization", p.Utilization}, {"drawdown", p.Drawdown}, {"unmet_queue", p.UnmetQueue}, {"depeg", p.Depeg}, {"bad_debt", p.BadDebt}} {
		if !(t.t.Level >= 0 && t.t.Level <= 1) {
			errs = append(errs, fmt.Errorf("%s.level: must be in [0, 1], got %v", t.name, t.t.Level))
		}
		if !(t.t.Weight >= 0 && t.t.Weight <= 100) {
			errs = append(errs, fmt.Errorf("%s.weight: must be in [0, 100] per day, got %v", t.name, t.t.Weight))
		}
	}
	return errors.Join(errs...)
}

// NewSampler returns a sampler for steps of dt years.
func (p SelfExciting) NewSampler(dt float64) WithdrawalSampler {
	days := dt * DaysPerYear
	d := math.Exp2(-days * 24 * float64(time.Hour) / float64(p.HalfLife))
	return &selfExcitingSampler{
		p:          p,
		days:       days,
		decay:      d,
		excite:     p.Excitation * (1 - d) / days,
		noiseShift: -0.5 * p.NoiseSigma * p.NoiseSigma,
	}
}

// DaysPerYear converts annual rates and year fractions to days (365 days).
const DaysPerYear = 365

type selfExcitingSampler struct {
	p                  SelfExciting
	days, decay        float64
	excite, noiseShift float64
	intensity          float64
}

func (s *selfExcitingSampler) Reset(*Source) { s.intensity = 0 }

func (s *selfExcitingSampler) Intensity() float64 { return s.intensity }

func (s *selfExcitingSampler) Next(src *Source, sig Signals) float64 {
	noise := 1.0
	if s.p.NoiseSigma > 0 {
		noise = math.Exp(s.p.NoiseSigma*src.NormFloat64() + s.noiseShift)
	}
	panicPart := s.intensity * s.days * noise
	f := s.p.Baseline*s.days*noise + panicPart
	if f > 1 {
		f = 1
	}
	panicPart = min(panicPart, f)
	level := s.p.Utilization.excess(sig.Utilization) + s.p.Drawdown.excess(sig.Drawdown) +
		s.p.UnmetQueue.excess(sig.UnmetQueue) + s.p.Depeg.excess(sig.Depeg) + s.p.BadDebt.excess(sig.BadDebt)
	s.intensity = s.decay*s.intensity + (1-s.decay)*level + s.excite*panicPart
	return f
}
