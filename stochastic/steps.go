package stochastic

import (
	"fmt"
	"math"
	"time"
)

// StepChecker is implemented by price processes whose samplers support only
// some step lengths (the processes defined on their own time grid: [GARCHT],
// [Bootstrap], and wrappers around them). The engine must call [CheckStep]
// with its step before [PriceProcess.NewSampler]; NewSampler panics on a
// step that CheckStep rejects.
type StepChecker interface {
	// CheckStep reports whether samplers can run at steps of dt years.
	CheckStep(dt float64) error
}

// CheckStep reports whether p can be sampled at steps of dt years: nil
// unless p implements [StepChecker] and rejects dt.
func CheckStep(p PriceProcess, dt float64) error {
	if c, ok := p.(StepChecker); ok {
		return c.CheckStep(dt)
	}
	return nil
}

// Year is the length of the model year, 365 days; steps in years are
// durations divided by it.
const Year = DaysPerYear * 24 * time.Hour

// Years converts a duration to years of 365 days.
func Years(d time.Duration) float64 { return float64(d) / float64(Year) }

// stepDuration converts a step of dt years to a duration, rounded to the
// nanosecond.
func stepDuration(dt float64) time.Duration { return time.Duration(math.Round(dt * float64(Year))) }

// gridRatio relates an engine step of dt years to a process's own interval.
// Exactly one of the results exceeds 1 unless they are equal: per > 1 means
// one engine step spans `per` intervals (aggregate); sub > 1 means one
// interval spans `sub` engine steps (spread with a bridge). Steps within
// 1e-6 of a whole ratio are accepted.
func gridRatio(dt float64, interval time.Duration) (per, sub int, err error) {
	step := float64(stepDuration(dt))
	iv := float64(interval)
	if !(dt > 0) || math.IsInf(dt, 0) || step < 1 {
		return 0, 0, fmt.Errorf("step: must be > 0, got %v years", dt)
	}
	if r := step / iv; r >= 1-1e-6 {
		if k := math.Round(r); math.Abs(r-k) <= 1e-6*k {
			return int(k), 1, nil
		}
	} else if r := iv / step; math.Abs(r-math.Round(r)) <= 1e-6*math.Round(r) {
		return 1, int(math.Round(r)), nil
	}
	return 0, 0, fmt.Errorf("step: %v must be a whole multiple or a whole fraction of the process interval %v", time.Duration(step), interval)
}

// gridAdapter turns a process defined on its own interval into steps of the
// engine: with per > 1 it sums per interval log returns into one step; with
// sub > 1 it spreads each interval's log return r over sub steps with a
// Brownian bridge in log space: with R of r left to distribute over m steps,
// the next step gets R/m + √(v·(m−1)/m)·Z, v = (interval variance)/sub. The
// steps sum to r exactly, so prices at interval boundaries have exactly the
// process's law, and each step's log return has variance Var(r)/sub.
type gridAdapter struct {
	per, sub  int
	remaining float64 // log return of the current interval not yet paid out
	left      int     // steps of the current interval still to come
	subVar    float64 // bridge variance per step
}

func newGridAdapter(dt float64, interval time.Duration) gridAdapter {
	per, sub, err := gridRatio(dt, interval)
	if err != nil {
		panic("stochastic: " + err.Error() + " (call CheckStep before NewSampler)")
	}
	return gridAdapter{per: per, sub: sub}
}

func (g *gridAdapter) reset() { g.remaining, g.left = 0, 0 }

// needInterval reports whether the next step starts a new interval, in which
// case the caller draws it and calls start (sub > 1) or sums per intervals.
func (g *gridAdapter) needInterval() bool { return g.left == 0 }

// start sets the interval's log return r and its conditional variance.
func (g *gridAdapter) start(r, variance float64) {
	g.remaining, g.left = r, g.sub
	g.subVar = variance / float64(g.sub)
}

// take pays out the next step's share of the current interval.
func (g *gridAdapter) take(src *Source) float64 {
	m := g.left
	g.left--
	if m == 1 {
		r := g.remaining
		g.remaining = 0
		return r
	}
	fm := float64(m)
	x := g.remaining/fm + math.Sqrt(g.subVar*(fm-1)/fm)*src.NormFloat64()
	g.remaining -= x
	return x
}

// HorizonChecker is implemented by price processes scheduled in path time
// ([Scripted] points, the [Bridged] target, and wrappers around them). The
// engine calls [CheckHorizon] with its horizon: a scheduled time after it
// would never be reached, so a scripted move would only partly happen.
type HorizonChecker interface {
	// CheckHorizon reports the scheduled times after horizon.
	CheckHorizon(horizon time.Duration) error
}

// CheckHorizon reports whether every time p schedules is within a path of
// length horizon: nil unless p implements [HorizonChecker] and schedules
// something after it.
func CheckHorizon(p PriceProcess, horizon time.Duration) error {
	if c, ok := p.(HorizonChecker); ok {
		return c.CheckHorizon(horizon)
	}
	return nil
}
