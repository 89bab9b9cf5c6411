package stochastic

import (
	"errors"
	"math"
)

// GBM is geometric Brownian motion: dS = μS dt + σS dW. It is simulated
// exactly in log space, log S(t+dt) = log S(t) + (μ − σ²/2)dt + σ√dt·Z, so
// E[S(t)] = S(0)·e^{μt} for any step size.
type GBM struct {
	// Initial is the price at time 0, USD, finite and > 0.
	Initial float64
	// Drift μ is the annual drift of the price, finite, in [-10, 10].
	Drift float64
	// Volatility σ is the annual volatility of log returns, in [0, 10].
	Volatility float64
}

// Validate reports all parameters outside their ranges.
func (g GBM) Validate() error {
	var errs []error
	if !finitePositive(g.Initial) {
		errs = append(errs, rangeError("initial", "finite and > 0 USD", g.Initial))
	}
	if !inRange(g.Drift, -10, 10) {
		errs = append(errs, rangeError("drift", "in [-10, 10] per year", g.Drift))
	}
	if !inRange(g.Volatility, 0, 10) {
		errs = append(errs, rangeError("volatility", "in [0, 10] per √year", g.Volatility))
	}
	return errors.Join(errs...)
}

// NewSampler returns a sampler for steps of dt years.
func (g GBM) NewSampler(dt float64) PriceSampler {
	return &gbmSampler{
		initial:    g.Initial,
		logInitial: math.Log(g.Initial),
		drift:      (g.Drift - 0.5*g.Volatility*g.Volatility) * dt,
		diffusion:  g.Volatility * math.Sqrt(dt),
	}
}

type gbmSampler struct {
	initial                      float64
	logInitial, drift, diffusion float64
	logPrice                     float64
}

func (s *gbmSampler) Reset(*Source) float64 {
	s.logPrice = s.logInitial
	return s.initial
}

func (s *gbmSampler) Next(src *Source) float64 {
	s.logPrice += s.drift + s.diffusion*src.NormFloat64()
	return math.Exp(s.logPrice)
}
