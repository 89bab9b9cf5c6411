package stochastic

import (
	"errors"
	"math"
	"time"
)

// GARCHT is a GARCH(1,1) model of log returns with Student-t innovations,
// defined on its own time grid of Interval (the spacing of the data it was
// fitted to, e.g. 24h for daily closes). Per interval,
//
//	r_t = c + √h_t·ε_t,   h_{t+1} = ω + α·(r_t − c)² + β·h_t,
//
// with c = LogDrift·Interval (in years) and ε_t Student-t with Nu degrees of
// freedom scaled to unit variance, so h_t is the conditional variance of
// r_t. Each path starts at the unconditional variance ω/(1 − α − β).
//
// Engine steps and Interval: a step of k whole intervals sums k GARCH
// returns; a step of 1/k of an interval (k whole) spreads each GARCH return
// over k steps with a Brownian bridge in log space whose variance is h_t/k
// per step (see [CheckStep]; other ratios are rejected), so prices at the
// interval boundaries follow the fitted model exactly whatever the step.
//
// Student-t returns have no exponential moment, so E[S(t)] is infinite;
// LogDrift is therefore the drift of the log price, not of the price.
type GARCHT struct {
	// Initial is the price at time 0, USD, finite and > 0.
	Initial float64
	// Interval is the time one GARCH step represents, in [1m, 30d].
	Interval time.Duration
	// LogDrift is the annual mean of log returns, in [-10, 10].
	LogDrift float64
	// Omega ω is the constant of the variance recursion, variance of log
	// returns per Interval, in (0, 1].
	Omega float64
	// Alpha α is the weight of the last squared shock, in [0, 1).
	Alpha float64
	// Beta β is the weight of the last variance, in [0, 1); α + β < 1.
	Beta float64
	// Nu ν is the innovations' degrees of freedom, in (2, 1000].
	Nu float64
}

// Validate reports all parameters outside their ranges.
func (p GARCHT) Validate() error {
	var errs []error
	if !finitePositive(p.Initial) {
		errs = append(errs, rangeError("initial", "finite and > 0 USD", p.Initial))
	}
	if p.Interval < time.Minute || p.Interval > 30*24*time.Hour {
		errs = append(errs, rangeError("interval", "in [1m, 30d]", p.Interval))
	}
	if !inRange(p.LogDrift, -10, 10) {
		errs = append(errs, rangeError("log_drift", "in [-10, 10] per year", p.LogDrift))
	}
	if !(p.Omega > 0 && p.Omega <= 1) {
		errs = append(errs, rangeError("omega", "in (0, 1] (variance per interval)", p.Omega))
	}
	if !(p.Alpha >= 0 && p.Alpha < 1) {
		errs = append(errs, rangeError("alpha", "in [0, 1)", p.Alpha))
	}
	if !(p.Beta >= 0 && p.Beta < 1) {
		errs = append(errs, rangeError("beta", "in [0, 1)", p.Beta))
	} else if p.Alpha >= 0 && !(p.Alpha+p.Beta < 1) {
		errs = append(errs, rangeError("beta", "< 1 − alpha (stationary variance)", p.Beta))
	}
	if !(p.Nu > 2 && p.Nu <= 1000) {
		errs = append(errs, rangeError("nu", "in (2, 1000] degrees of freedom", p.Nu))
	}
	return errors.Join(errs...)
}

// CheckStep reports whether steps of dt years are a whole multiple or a
// whole fraction of Interval.
func (p GARCHT) CheckStep(dt float64) error {
	_, _, err := gridRatio(dt, p.Interval)
	return err
}

// UnconditionalVariance is ω/(1 − α − β), the stationary variance of log
// returns per Interval.
func (p GARCHT) UnconditionalVariance() float64 { return p.Omega / (1 - p.Alpha - p.Beta) }

// AnnualVolatility is the unconditional volatility of log returns per √year.
func (p GARCHT) AnnualVolatility() float64 {
	return math.Sqrt(p.UnconditionalVariance() / Years(p.Interval))
}

// NewSampler returns a sampler for steps of dt years. It panics if
// [GARCHT.CheckStep] rejects dt.
func (p GARCHT) NewSampler(dt float64) PriceSampler {
	return &garchSampler{
		p:          p,
		grid:       newGridAdapter(dt, p.Interval),
		logInitial: math.Log(p.Initial),
		mean:       p.LogDrift * Years(p.Interval),
	}
}

type garchSampler struct {
	p          GARCHT
	grid       gridAdapter
	logInitial float64
	mean       float64
	variance   float64 // h of the next interval
	logPrice   float64
}

func (s *garchSampler) Reset(*Source) float64 {
	s.logPrice = s.logInitial
	s.variance = s.p.UnconditionalVariance()
	s.grid.reset()
	return s.p.Initial
}

// interval draws one GARCH return and advances the variance; it returns the
// return and the variance it was drawn with.
func (s *garchSampler) interval(src *Source) (r, h float64) {
	h = s.variance
	e := math.Sqrt(h) * standardT(src, s.p.Nu)
	s.variance = s.p.Omega + s.p.Alpha*e*e + s.p.Beta*h
	return s.mean + e, h
}

func (s *garchSampler) Next(src *Source) float64 {
	if s.grid.sub == 1 {
		for range s.grid.per {
			r, _ := s.interval(src)
			s.logPrice += r
		}
		return math.Exp(s.logPrice)
	}
	if s.grid.needInterval() {
		s.grid.start(s.interval(src))
	}
	s.logPrice += s.grid.take(src)
	return math.Exp(s.logPrice)
}
