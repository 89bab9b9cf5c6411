package stochastic

import (
	"errors"
	"math"
)

// Regime is the price dynamics within one regime: geometric Brownian motion
// with the given annual drift and volatility (as [GBM]).
type Regime struct {
	// Drift is the annual drift of the price in this regime, in [-10, 10].
	Drift float64
	// Volatility is the annual volatility of log returns, in [0, 10].
	Volatility float64
}

func (r Regime) validate() error {
	var errs []error
	if !inRange(r.Drift, -10, 10) {
		errs = append(errs, rangeError("drift", "in [-10, 10] per year", r.Drift))
	}
	if !inRange(r.Volatility, 0, 10) {
		errs = append(errs, rangeError("volatility", "in [0, 10] per √year", r.Volatility))
	}
	return errors.Join(errs...)
}

// RegimeStart is the regime a path starts in.
type RegimeStart string

// Regime starts.
const (
	StartCalm       RegimeStart = "calm"       // every path starts calm
	StartStress     RegimeStart = "stress"     // every path starts stressed
	StartStationary RegimeStart = "stationary" // drawn from the stationary distribution
)

// RegimeSwitching is a price that follows [GBM] dynamics whose drift and
// volatility switch between a calm and a stress regime. The regime is a
// continuous-time two-state Markov chain with intensities a = CalmToStress
// and b = StressToCalm per year; over a step of dt years it switches with
// the exact transition probabilities a/(a+b)·(1 − e^{−(a+b)dt}) (calm →
// stress) and b/(a+b)·(1 − e^{−(a+b)dt}) (stress → calm). A step's return
// uses the regime at the start of the step, and the regime then moves. In
// the long run a fraction a/(a+b) of the time is spent in stress.
type RegimeSwitching struct {
	// Initial is the price at time 0, USD, finite and > 0.
	Initial float64
	// Calm and Stress are the dynamics of the two regimes.
	Calm, Stress Regime
	// CalmToStress is the intensity of switching into stress, per year, in
	// [0, 10000] (1/expected years spent calm).
	CalmToStress float64
	// StressToCalm is the intensity of recovering, per year, in [0, 10000].
	StressToCalm float64
	// Start is the regime at time 0: "calm" (also the empty value), "stress"
	// or "stationary".
	Start RegimeStart
}

// Validate reports all parameters outside their ranges.
func (p RegimeSwitching) Validate() error {
	var errs []error
	if !finitePositive(p.Initial) {
		errs = append(errs, rangeError("initial", "finite and > 0 USD", p.Initial))
	}
	errs = append(errs, prefixError("calm", p.Calm.validate()), prefixError("stress", p.Stress.validate()))
	if !inRange(p.CalmToStress, 0, 1e4) {
		errs = append(errs, rangeError("calm_to_stress", "in [0, 10000] per year", p.CalmToStress))
	}
	if !inRange(p.StressToCalm, 0, 1e4) {
		errs = append(errs, rangeError("stress_to_calm", "in [0, 10000] per year", p.StressToCalm))
	}
	switch p.Start {
	case "", StartCalm, StartStress, StartStationary:
	default:
		errs = append(errs, rangeError("start", `one of "calm", "stress", "stationary"`, string(p.Start)))
	}
	if p.Start == StartStationary && p.CalmToStress+p.StressToCalm == 0 {
		errs = append(errs, rangeError("start", `"calm" or "stress" when both intensities are 0 (no stationary law)`, string(p.Start)))
	}
	return errors.Join(errs...)
}

// StationaryStress is a/(a+b), the long-run fraction of time in stress.
func (p RegimeSwitching) StationaryStress() float64 {
	return p.CalmToStress / (p.CalmToStress + p.StressToCalm)
}

// NewSampler returns a sampler for steps of dt years. Its concrete type also
// has a Stressed method reporting the regime of the next step.
func (p RegimeSwitching) NewSampler(dt float64) PriceSampler {
	s := &RegimeSampler{initial: p.Initial, logInitial: math.Log(p.Initial), start: p.Start}
	for i, r := range [2]Regime{p.Calm, p.Stress} {
		s.drift[i] = (r.Drift - 0.5*r.Volatility*r.Volatility) * dt
		s.diffusion[i] = r.Volatility * math.Sqrt(dt)
	}
	if q := p.CalmToStress + p.StressToCalm; q > 0 {
		move := -math.Expm1(-q * dt)
		s.switchProb[0] = p.CalmToStress / q * move
		s.switchProb[1] = p.StressToCalm / q * move
		s.stationary = p.StationaryStress()
	}
	return s
}

// RegimeSampler samples [RegimeSwitching] paths.
type RegimeSampler struct {
	initial, logInitial float64
	drift, diffusion    [2]float64
	switchProb          [2]float64 // per step: calm→stress, stress→calm
	stationary          float64
	start               RegimeStart
	state               int // 0 calm, 1 stress
	logPrice            float64
}

// Reset starts a path; with a stationary start it draws the regime from src.
func (s *RegimeSampler) Reset(src *Source) float64 {
	s.logPrice = s.logInitial
	switch s.start {
	case StartStress:
		s.state = 1
	case StartStationary:
		s.state = 0
		if src.Float64() < s.stationary {
			s.state = 1
		}
	default:
		s.state = 0
	}
	return s.initial
}

// Stressed reports whether the next step is in the stress regime.
func (s *RegimeSampler) Stressed() bool { return s.state == 1 }

// Next advances one step in the current regime, then lets the regime move.
func (s *RegimeSampler) Next(src *Source) float64 {
	i := s.state
	s.logPrice += s.drift[i] + s.diffusion[i]*src.NormFloat64()
	if src.Float64() < s.switchProb[i] {
		s.state = 1 - i
	}
	return math.Exp(s.logPrice)
}
