package stochastic

import (
	"errors"
	"math"
)

// Merton is Merton's (1976) jump-diffusion: geometric Brownian motion plus
// jumps arriving as a Poisson process, each multiplying the price by e^Y
// with Y ~ Normal(JumpMean, JumpStdDev²). The jumps are compensated so that
// Drift is the price's drift as for [GBM]: E[S(t)] = S(0)·e^{μt}. Over a step
// of dt years it is simulated exactly:
//
//	log S(t+dt) = log S(t) + (μ − σ²/2 − λk)dt + σ√dt·Z + Σ_{i≤N} Y_i,
//	N ~ Poisson(λ·dt),   k = E[e^Y] − 1 = exp(m + s²/2) − 1.
//
// The log return over dt has mean (μ − σ²/2 − λk + λm)dt, variance
// (σ² + λ(m² + s²))dt and excess kurtosis λ(m⁴ + 6m²s² + 3s⁴)/((σ² + λ(m² + s²))²·dt).
type Merton struct {
	// Initial is the price at time 0, USD, finite and > 0.
	Initial float64
	// Drift μ is the annual drift of the price (jumps included), in [-10, 10].
	Drift float64
	// Volatility σ is the annual volatility of the diffusion part of log
	// returns, in [0, 10].
	Volatility float64
	// JumpIntensity λ is the expected number of jumps per year, in [0, 1000].
	JumpIntensity float64
	// JumpMean m is the mean of a jump's log size (−0.1 ≈ a 10 % drop), in
	// [-3, 3].
	JumpMean float64
	// JumpStdDev s is the standard deviation of a jump's log size, in [0, 2].
	JumpStdDev float64
}

// Validate reports all parameters outside their ranges.
func (p Merton) Validate() error {
	var errs []error
	if !finitePositive(p.Initial) {
		errs = append(errs, rangeError("initial", "finite and > 0 USD", p.Initial))
	}
	if !inRange(p.Drift, -10, 10) {
		errs = append(errs, rangeError("drift", "in [-10, 10] per year", p.Drift))
	}
	if !inRange(p.Volatility, 0, 10) {
		errs = append(errs, rangeError("volatility", "in [0, 10] per √year", p.Volatility))
	}
	if !inRange(p.JumpIntensity, 0, 1000) {
		errs = append(errs, rangeError("jump_intensity", "in [0, 1000] jumps per year", p.JumpIntensity))
	}
	if !inRange(p.JumpMean, -3, 3) {
		errs = append(errs, rangeError("jump_mean", "in [-3, 3] (log size)", p.JumpMean))
	}
	if !inRange(p.JumpStdDev, 0, 2) {
		errs = append(errs, rangeError("jump_std_dev", "in [0, 2] (log size)", p.JumpStdDev))
	}
	return errors.Join(errs...)
}

// JumpCompensator is k = E[e^Y] − 1, the mean relative price change of one
// jump.
func (p Merton) JumpCompensator() float64 {
	return math.Expm1(p.JumpMean + 0.5*p.JumpStdDev*p.JumpStdDev)
}

// NewSampler returns a sampler for steps of dt years.
func (p Merton) NewSampler(dt float64) PriceSampler {
	return &mertonSampler{
		initial:    p.Initial,
		logInitial: math.Log(p.Initial),
		drift:      (p.Drift - 0.5*p.Volatility*p.Volatility - p.JumpIntensity*p.JumpCompensator()) * dt,
		diffusion:  p.Volatility * math.Sqrt(dt),
		jumpRate:   p.JumpIntensity * dt,
		expNegRate: math.Exp(-p.JumpIntensity * dt),
		jumpMean:   p.JumpMean,
		jumpStdDev: p.JumpStdDev,
	}
}

type mertonSampler struct {
	initial, logInitial float64
	drift, diffusion    float64
	jumpRate, jumpMean  float64
	jumpStdDev          float64
	expNegRate          float64 // e^−jumpRate, for the Poisson draw
	logPrice            float64
}

func (s *mertonSampler) Reset(*Source) float64 {
	s.logPrice = s.logInitial
	return s.initial
}

func (s *mertonSampler) Next(src *Source) float64 {
	x := s.drift + s.diffusion*src.NormFloat64()
	if n := poissonExp(src, s.jumpRate, s.expNegRate); n > 0 {
		fn := float64(n)
		x += fn*s.jumpMean + s.jumpStdDev*math.Sqrt(fn)*src.NormFloat64()
	}
	s.logPrice += x
	return math.Exp(s.logPrice)
}
