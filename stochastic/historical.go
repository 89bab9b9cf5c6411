package stochastic

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// Historical replays a recorded price series. The path's time t (from 0)
// maps to series time Offset + t; the price at a step is the last
// observation at or before that time (observation i is at i·Interval), and
// the last observation is held after the series ends. The replay ignores
// the random source: every path is the same.
type Historical struct {
	// Prices are the observed prices, USD, each finite and > 0, at least 1.
	// The slice is shared read-only by all samplers.
	Prices []float64
	// Interval is the time between observations, in [1s, 3650d].
	Interval time.Duration
	// Offset is the series time at which paths start, in [0, len(Prices)·Interval).
	Offset time.Duration
	// Initial, if > 0, rescales the series so that paths start at this price
	// (USD, finite); 0 replays the recorded prices.
	Initial float64
}

// Validate reports all parameters outside their ranges.
func (p Historical) Validate() error {
	var errs []error
	if len(p.Prices) == 0 {
		errs = append(errs, errors.New("prices: need at least one price"))
	}
	for i, x := range p.Prices {
		if !finitePositive(x) {
			errs = append(errs, fmt.Errorf("prices: element %d must be finite and > 0 USD, got %v", i, x))
			break
		}
	}
	if p.Interval < time.Second || p.Interval > 3650*24*time.Hour {
		errs = append(errs, rangeError("interval", "in [1s, 3650d]", p.Interval))
	} else if p.Offset < 0 || len(p.Prices) > 0 && p.Offset >= time.Duration(len(p.Prices))*p.Interval {
		errs = append(errs, rangeError("offset", fmt.Sprintf("in [0, %v) (the series length)", time.Duration(len(p.Prices))*p.Interval), p.Offset))
	}
	if !(p.Initial == 0 || finitePositive(p.Initial)) {
		errs = append(errs, rangeError("initial", "0 (as recorded) or finite and > 0 USD", p.Initial))
	}
	return errors.Join(errs...)
}

// NewSampler returns a sampler for steps of dt years.
func (p Historical) NewSampler(dt float64) PriceSampler {
	s := &historicalSampler{p: p, step: stepDuration(dt), scale: 1}
	if p.Initial > 0 {
		s.scale = p.Initial / p.Prices[p.Offset/p.Interval]
	}
	return s
}

type historicalSampler struct {
	p     Historical
	step  time.Duration
	scale float64
	t     time.Duration // series time of the last returned price
}

func (s *historicalSampler) price() float64 {
	i := int(s.t / s.p.Interval)
	if i >= len(s.p.Prices) {
		i = len(s.p.Prices) - 1
	}
	return s.p.Prices[i] * s.scale
}

func (s *historicalSampler) Reset(*Source) float64 {
	s.t = s.p.Offset
	return s.price()
}

func (s *historicalSampler) Next(*Source) float64 {
	s.t += s.step
	return s.price()
}

// Bootstrap is a circular block bootstrap of historical log returns: a path
// is built from blocks of BlockLength consecutive returns, each block
// starting at an index drawn uniformly from the stream and wrapping around
// the end of the sample (so every return is drawn with the same
// probability, and the resampled returns have the sample's mean and
// variance). Returns are on their own grid of Interval; engine steps that
// are whole multiples sum returns, and whole fractions spread each return
// with a Brownian bridge whose variance is the sample variance (see
// [CheckStep]).
type Bootstrap struct {
	// Initial is the price at time 0, USD, finite and > 0.
	Initial float64
	// LogReturns are consecutive historical log returns, each finite, at
	// least 2. The slice is shared read-only by all samplers.
	LogReturns []float64
	// Interval is the time each return spans, in [1m, 30d].
	Interval time.Duration
	// BlockLength is the number of consecutive returns in a block, in
	// [1, len(LogReturns)].
	BlockLength int
}

// Validate reports all parameters outside their ranges.
func (p Bootstrap) Validate() error {
	var errs []error
	if !finitePositive(p.Initial) {
		errs = append(errs, rangeError("initial", "finite and > 0 USD", p.Initial))
	}
	if len(p.LogReturns) < 2 {
		errs = append(errs, fmt.Errorf("log_returns: need at least 2 returns, got %d", len(p.LogReturns)))
	}
	for i, r := range p.LogReturns {
		if math.IsNaN(r) || math.IsInf(r, 0) {
			errs = append(errs, fmt.Errorf("log_returns: element %d must be finite, got %v", i, r))
			break
		}
	}
	if p.Interval < time.Minute || p.Interval > 30*24*time.Hour {
		errs = append(errs, rangeError("interval", "in [1m, 30d]", p.Interval))
	}
	if p.BlockLength < 1 || p.BlockLength > max(1, len(p.LogReturns)) {
		errs = append(errs, rangeError("block_length", fmt.Sprintf("in [1, %d] returns", len(p.LogReturns)), p.BlockLength))
	}
	return errors.Join(errs...)
}

// CheckStep reports whether steps of dt years are a whole multiple or a
// whole fraction of Interval.
func (p Bootstrap) CheckStep(dt float64) error {
	_, _, err := gridRatio(dt, p.Interval)
	return err
}

// NewSampler returns a sampler for steps of dt years. It panics if
// [Bootstrap.CheckStep] rejects dt.
func (p Bootstrap) NewSampler(dt float64) PriceSampler {
	var mean, m2 float64
	for i, r := range p.LogReturns {
		d := r - mean
		mean += d / float64(i+1)
		m2 += d * (r - mean)
	}
	return &bootstrapSampler{
		p:          p,
		grid:       newGridAdapter(dt, p.Interval),
		logInitial: math.Log(p.Initial),
		variance:   m2 / float64(len(p.LogReturns)),
	}
}

type bootstrapSampler struct {
	p          Bootstrap
	grid       gridAdapter
	logInitial float64
	variance   float64 // population variance of the sample
	pos, left  int     // next index; returns left in the current block
	logPrice   float64
}

func (s *bootstrapSampler) Reset(*Source) float64 {
	s.logPrice = s.logInitial
	s.left = 0
	s.grid.reset()
	return s.p.Initial
}

func (s *bootstrapSampler) draw(src *Source) float64 {
	n := len(s.p.LogReturns)
	if s.left == 0 {
		s.pos = src.IntN(n)
		s.left = s.p.BlockLength
	}
	r := s.p.LogReturns[s.pos]
	s.pos++
	if s.pos == n {
		s.pos = 0
	}
	s.left--
	return r
}

func (s *bootstrapSampler) Next(src *Source) float64 {
	if s.grid.sub == 1 {
		for range s.grid.per {
			s.logPrice += s.draw(src)
		}
		return math.Exp(s.logPrice)
	}
	if s.grid.needInterval() {
		s.grid.start(s.draw(src), s.variance)
	}
	s.logPrice += s.grid.take(src)
	return math.Exp(s.logPrice)
}
