package stochastic

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// ShockPoint is one point of a scripted multiplicative price level.
type ShockPoint struct {
	// At is the path time of the point, in [0, 3650d]; points strictly
	// increase in At.
	At time.Duration
	// Level multiplies the base price at time At, finite and > 0
	// (0.6 = a 40 % drop).
	Level float64
}

// Scripted lays a scripted shock over any base process: the price is the
// base price times a level L(t) that is 1 at time 0 (unless a point sets
// it), passes through every point, is interpolated linearly in log space
// between points, and holds the last level after the last point. At every
// step time that equals a point's At (a whole number of steps), the price is
// exactly Level times the base price.
type Scripted struct {
	// Base is the process being shocked.
	Base PriceProcess
	// Points are the scripted levels, at least 1, strictly increasing in At.
	Points []ShockPoint
}

// Validate reports all parameters outside their ranges.
func (p Scripted) Validate() error {
	var errs []error
	if p.Base == nil {
		errs = append(errs, errors.New("base: missing"))
	} else {
		errs = append(errs, prefixError("base", p.Base.Validate()))
	}
	if len(p.Points) == 0 {
		errs = append(errs, errors.New("points: need at least one point"))
	}
	for i, pt := range p.Points {
		if pt.At < 0 || pt.At > 3650*24*time.Hour {
			errs = append(errs, fmt.Errorf("points.%d.at: must be in [0, 3650d], got %v", i, pt.At))
		} else if i > 0 && pt.At <= p.Points[i-1].At {
			errs = append(errs, fmt.Errorf("points.%d.at: must be after the previous point (%v), got %v", i, p.Points[i-1].At, pt.At))
		}
		if !finitePositive(pt.Level) {
			errs = append(errs, fmt.Errorf("points.%d.level: must be finite and > 0, got %v", i, pt.Level))
		}
	}
	return errors.Join(errs...)
}

// CheckStep forwards to the base process.
func (p Scripted) CheckStep(dt float64) error { return prefixError("base", CheckStep(p.Base, dt)) }

// CheckHorizon reports the first point after horizon (the points are
// increasing, so the later ones are after it too), and forwards to the
// base process.
func (p Scripted) CheckHorizon(horizon time.Duration) error {
	errs := []error{prefixError("base", CheckHorizon(p.Base, horizon))}
	for i, pt := range p.Points {
		if pt.At > horizon {
			msg := fmt.Sprintf("points.%d.at: must be at or before the horizon (%v), got %v: a path ends before it, so the scripted move would only partly happen", i, horizon, pt.At)
			switch more := len(p.Points) - i - 1; {
			case more == 1:
				msg += " (and 1 later point)"
			case more > 1:
				msg += fmt.Sprintf(" (and %d later points)", more)
			}
			errs = append(errs, errors.New(msg+"; lengthen horizon or move the point"))
			break
		}
	}
	return errors.Join(errs...)
}

// NewSampler returns a sampler for steps of dt years.
func (p Scripted) NewSampler(dt float64) PriceSampler {
	s := &scriptedSampler{base: p.Base.NewSampler(dt), step: stepDuration(dt)}
	if p.Points[0].At > 0 {
		s.at = append(s.at, 0)
		s.logLevel = append(s.logLevel, 0)
	}
	for _, pt := range p.Points {
		s.at = append(s.at, pt.At)
		s.logLevel = append(s.logLevel, math.Log(pt.Level))
	}
	return s
}

type scriptedSampler struct {
	base     PriceSampler
	step     time.Duration
	at       []time.Duration
	logLevel []float64
	t        time.Duration
	seg      int // at[seg] ≤ t < at[seg+1]
}

// level is L(t) at the current time; seg only moves forward.
func (s *scriptedSampler) level() float64 {
	for s.seg+1 < len(s.at) && s.at[s.seg+1] <= s.t {
		s.seg++
	}
	i := s.seg
	if i+1 == len(s.at) || s.t == s.at[i] {
		return math.Exp(s.logLevel[i])
	}
	w := float64(s.t-s.at[i]) / float64(s.at[i+1]-s.at[i])
	return math.Exp(s.logLevel[i] + w*(s.logLevel[i+1]-s.logLevel[i]))
}

func (s *scriptedSampler) Reset(src *Source) float64 {
	s.t, s.seg = 0, 0
	return s.base.Reset(src) * s.level()
}

func (s *scriptedSampler) Next(src *Source) float64 {
	s.t += s.step
	return s.base.Next(src) * s.level()
}

// Bridged pulls any base process to a target level at a given time with a
// Brownian bridge in log space, then lets it continue from there. With the
// base's log return ΔX over a step, the bridged log price Y moves, while
// m ≥ 1 steps remain to the target,
//
//	Y ← Y + (log(Level·S₀) − Y)/m + √((m − 1)/m)·ΔX,
//
// so it equals log(Level·S₀) exactly after the last of those steps (S₀ is
// the path's initial price), and afterwards Y ← Y + ΔX. The base's own
// randomness (volatility, jumps, regimes) drives the bridge; for a driftless
// Brownian log price this is exactly the Brownian bridge; a base log drift
// c per year shifts the bridge by at most about |c|·At/e (at 1 − 1/e of the
// way), and not at all at time 0 and At.
type Bridged struct {
	// Base is the process being steered.
	Base PriceProcess
	// At is the path time at which the price reaches its target, in
	// (0, 3650d]; it is rounded to the nearest whole step (at least one).
	At time.Duration
	// Level is the target price as a multiple of the path's initial price,
	// finite and > 0 (0.5 = half).
	Level float64
}

// Validate reports all parameters outside their ranges.
func (p Bridged) Validate() error {
	var errs []error
	if p.Base == nil {
		errs = append(errs, errors.New("base: missing"))
	} else {
		errs = append(errs, prefixError("base", p.Base.Validate()))
	}
	if p.At <= 0 || p.At > 3650*24*time.Hour {
		errs = append(errs, rangeError("at", "in (0, 3650d]", p.At))
	}
	if !finitePositive(p.Level) {
		errs = append(errs, rangeError("level", "finite and > 0", p.Level))
	}
	return errors.Join(errs...)
}

// CheckStep forwards to the base process.
func (p Bridged) CheckStep(dt float64) error { return prefixError("base", CheckStep(p.Base, dt)) }

// CheckHorizon reports a target time after horizon, and forwards to the
// base process.
func (p Bridged) CheckHorizon(horizon time.Duration) error {
	errs := []error{prefixError("base", CheckHorizon(p.Base, horizon))}
	if p.At > horizon {
		errs = append(errs, fmt.Errorf("at: must be at or before the horizon (%v), got %v: a path ends before the price reaches its target, so the move would only partly happen; lengthen horizon or move at", horizon, p.At))
	}
	return errors.Join(errs...)
}

// NewSampler returns a sampler for steps of dt years.
func (p Bridged) NewSampler(dt float64) PriceSampler {
	steps := int(math.Round(float64(p.At) / float64(stepDuration(dt))))
	return &bridgedSampler{
		base:     p.Base.NewSampler(dt),
		steps:    max(1, steps),
		logLevel: math.Log(p.Level),
	}
}

type bridgedSampler struct {
	base      PriceSampler
	steps     int
	logLevel  float64
	logTarget float64 // log(Level·S₀) of the current path
	logBase   float64 // log of the base's last price
	y         float64 // bridged log price
	k         int     // steps taken
}

func (s *bridgedSampler) Reset(src *Source) float64 {
	s0 := s.base.Reset(src)
	s.logBase = math.Log(s0)
	s.y = s.logBase
	s.logTarget = s.logBase + s.logLevel
	s.k = 0
	return s0
}

func (s *bridgedSampler) Next(src *Source) float64 {
	lb := math.Log(s.base.Next(src))
	dx := lb - s.logBase
	s.logBase = lb
	if m := s.steps - s.k; m > 0 {
		if m == 1 {
			s.y = s.logTarget
		} else {
			fm := float64(m)
			s.y += (s.logTarget-s.y)/fm + math.Sqrt((fm-1)/fm)*dx
		}
	} else {
		s.y += dx
	}
	s.k++
	return math.Exp(s.y)
}
