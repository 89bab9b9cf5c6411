package stochastic

import (
	"errors"
	"math"
)

// Whales are large depositors' withdrawals, independent of stress: a
// compound Poisson process with Rate requests per day, each asking for a
// Pareto-distributed fraction X = min(1, MinSize·U^{−1/Alpha}) (U uniform)
// of the balance not yet queued. Several requests in one step combine as
// 1 − Π(1 − X_j); the mean size of one request is [Whales.MeanSize]. Whales
// carry no panic: Intensity is always 0.
type Whales struct {
	// Rate is the expected number of whale requests per day, in [0, 1000].
	Rate float64
	// MinSize is the Pareto scale x_m, the smallest request as a fraction
	// of the balance, in (0, 1].
	MinSize float64
	// Alpha is the Pareto tail index, in (0, 100]; smaller is heavier.
	Alpha float64
}

// Validate reports all parameters outside their ranges.
func (p Whales) Validate() error {
	var errs []error
	if !inRange(p.Rate, 0, 1000) {
		errs = append(errs, rangeError("rate", "in [0, 1000] per day", p.Rate))
	}
	if !(p.MinSize > 0 && p.MinSize <= 1) {
		errs = append(errs, rangeError("min_size", "in (0, 1] (fraction of the balance)", p.MinSize))
	}
	if !(p.Alpha > 0 && p.Alpha <= 100) {
		errs = append(errs, rangeError("alpha", "in (0, 100]", p.Alpha))
	}
	return errors.Join(errs...)
}

// MeanSize is E[min(1, X)], the mean fraction one request asks for.
func (p Whales) MeanSize() float64 {
	// E[min(1,X)] = ∫_0^1 P(X > x) dx = x_m + ∫_{x_m}^1 (x_m/x)^α dx.
	xm, a := p.MinSize, p.Alpha
	if a == 1 {
		return xm - xm*math.Log(xm)
	}
	return xm + xm*(1-math.Pow(xm, a-1))/(a-1)
}

// NewSampler returns a sampler for steps of dt years.
func (p Whales) NewSampler(dt float64) WithdrawalSampler {
	mean := p.Rate * dt * DaysPerYear
	return &whaleSampler{mean: mean, expNegMean: math.Exp(-mean), minSize: p.MinSize, invAlpha: 1 / p.Alpha}
}

type whaleSampler struct {
	mean, expNegMean  float64 // expected whales per step and e^−mean
	minSize, invAlpha float64
}

func (s *whaleSampler) Reset(*Source) {}

func (s *whaleSampler) Intensity() float64 { return 0 }

func (s *whaleSampler) Next(src *Source, _ Signals) float64 {
	n := poissonExp(src, s.mean, s.expNegMean)
	keep := 1.0
	for range n {
		u := 1 - src.Float64() // (0, 1]
		x := s.minSize * math.Pow(u, -s.invAlpha)
		if x >= 1 {
			keep = 0
			continue
		}
		keep *= 1 - x
	}
	return 1 - keep
}
