package experiments

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/spiralrisk/spiral/engine"
	"github.com/spiralrisk/spiral/stochastic"
)

// Reverse stress test (`spiral breakpoint`, docs/breakpoint.md): the
// smallest size of a shock at which a target is breached, e.g.
// P(bad_debt_usd > 1e6) ≥ 5 %, found by bisection over the shock's size
// with common random numbers: every size runs the same seed and paths, so
// the draws are the same and only the shock differs.

// Shock is a scripted modification of a scenario with one scalar size.
type Shock string

// The shocks. Each hits in the step that ends at BreakpointOptions.At.
const (
	// ShockPriceDrop multiplies the scenario's collateral price process by
	// a scripted level (stochastic.Scripted) that is 1 until the step
	// before At and 1 − size from At on: the price drops by the size in
	// that step and the drop holds. Size in [0, 1).
	ShockPriceDrop Shock = "price_drop"
	// ShockWithdrawalWave adds, on top of the scenario's withdrawal
	// behaviour, a one-off request of size × the depositors' balance not
	// yet queued (the deposits, when nothing is queued) in the step ending
	// at At (a deterministic part appended to a stochastic.Combined, so the
	// scenario's own withdrawals keep their draws). Size in [0, 1].
	ShockWithdrawalWave Shock = "withdrawal_wave"
	// ShockLiquidityHaircut multiplies the DEX depth by 1 − size for the
	// whole path (At is not used). Needs a position book and a finite
	// depth (liquidators.dex.depth_usd > 0). Size in [0, 1).
	ShockLiquidityHaircut Shock = "liquidity_haircut"
)

// Shocks lists the shocks.
var Shocks = []Shock{ShockPriceDrop, ShockWithdrawalWave, ShockLiquidityHaircut}

// ParseShock reads a shock's name.
func ParseShock(name string) (Shock, error) {
	for _, s := range Shocks {
		if string(s) == name {
			return s, nil
		}
	}
	names := make([]string, len(Shocks))
	for i, s := range Shocks {
		names[i] = string(s)
	}
	return "", fmt.Errorf("unknown shock %q; one of %s", name, strings.Join(names, ", "))
}

// validSize reports whether the shock accepts size: [0, 1] for a
// withdrawal wave, [0, 1) for the others.
func (k Shock) validSize(size float64) bool {
	if k == ShockWithdrawalWave {
		return size >= 0 && size <= 1
	}
	return size >= 0 && size < 1
}

// DefaultHi is the default upper end of the search: 0.99 for a price drop
// or a liquidity haircut, 1 for a withdrawal wave.
func (k Shock) DefaultHi() float64 {
	if k == ShockWithdrawalWave {
		return 1
	}
	return 0.99
}

// Apply returns a copy of cfg with the shock of the given size hitting in
// the step that ends at at (a whole number of steps in [step, horizon]).
// cfg is not changed; the copy shares its read-only parts.
func (k Shock) Apply(cfg *engine.Config, size float64, at time.Duration) (*engine.Config, error) {
	if !k.validSize(size) || math.IsNaN(size) {
		if k == ShockWithdrawalWave {
			return nil, fmt.Errorf("%s: size must be in [0, 1], got %v", k, size)
		}
		return nil, fmt.Errorf("%s: size must be in [0, 1), got %v", k, size)
	}
	if err := checkShockTime(cfg, at); err != nil {
		return nil, err
	}
	c := *cfg
	switch k {
	case ShockPriceDrop:
		c.Price = stochastic.Scripted{Base: cfg.Price, Points: []stochastic.ShockPoint{
			{At: at - cfg.Step, Level: 1}, {At: at, Level: 1 - size}}}
	case ShockWithdrawalWave:
		wave := wave{Step: int(at / cfg.Step), Share: size}
		var parts []stochastic.WithdrawalBehaviour
		if comb, ok := cfg.Withdrawals.(stochastic.Combined); ok {
			parts = append(parts, comb.Parts...)
		} else {
			parts = append(parts, cfg.Withdrawals)
		}
		c.Withdrawals = stochastic.Combined{Parts: append(parts, wave)}
	case ShockLiquidityHaircut:
		if cfg.Liquidation == nil {
			return nil, errors.New("liquidity_haircut needs a position book (positions, liquidators)")
		}
		if cfg.Liquidation.DEX.DepthUSD == 0 {
			return nil, errors.New("liquidity_haircut needs a finite DEX depth (liquidators.dex.depth_usd > 0; 0 means infinitely deep)")
		}
		l := *cfg.Liquidation
		l.DEX.DepthUSD *= 1 - size
		c.Liquidation = &l
	default:
		return nil, fmt.Errorf("unknown shock %q", string(k))
	}
	return &c, nil
}

// checkShockTime checks that at is a whole number of steps in [step,
// horizon].
func checkShockTime(cfg *engine.Config, at time.Duration) error {
	if at < cfg.Step || at > cfg.Horizon || at%cfg.Step != 0 {
		return fmt.Errorf("the shock time must be a whole number of steps (%v) in [%v, %v], got %v",
			Duration(cfg.Step), Duration(cfg.Step), Duration(cfg.Horizon), Duration(at))
	}
	return nil
}

// DefaultShockTime is when a shock hits by default: after one day, or at
// the end of the first step when the horizon is one day or shorter.
func DefaultShockTime(cfg *engine.Config) time.Duration {
	if d := 24 * time.Hour; cfg.Horizon > d && d%cfg.Step == 0 {
		return d
	}
	return cfg.Step
}

// wave is a deterministic one-off withdrawal request: in step Step
// (1-based) depositors ask for Share of the balance not yet queued, in no
// other step. It draws no random numbers and adds no panic.
type wave struct {
	// Step is the step of the request, ≥ 1.
	Step int
	// Share is the fraction of the balance not yet queued, in [0, 1].
	Share float64
}

// Validate reports the parameters outside their ranges.
func (w wave) Validate() error {
	var errs []error
	if w.Step < 1 {
		errs = append(errs, fmt.Errorf("step: must be ≥ 1, got %d", w.Step))
	}
	if !(w.Share >= 0 && w.Share <= 1) {
		errs = append(errs, fmt.Errorf("share: must be in [0, 1], got %v", w.Share))
	}
	return errors.Join(errs...)
}

// NewSampler returns the wave's sampler.
func (w wave) NewSampler(float64) stochastic.WithdrawalSampler { return &waveSampler{w: w} }

type waveSampler struct {
	w    wave
	step int
}

func (s *waveSampler) Reset(*stochastic.Source) { s.step = 0 }

func (s *waveSampler) Next(*stochastic.Source, stochastic.Signals) float64 {
	s.step++
	if s.step == s.w.Step {
		return s.w.Share
	}
	return 0
}

func (s *waveSampler) Intensity() float64 { return 0 }

// Target is the event whose probability a reverse stress test drives up:
// a summary column compared with a threshold, e.g. bad_debt_usd > 1e6. A
// null value (an event time that never happened) is never the event.
type Target struct {
	Column    string  // an engine.SummaryColumns name
	Op        string  // ">", ">=", "<" or "<="
	Threshold float64 // finite
	value     func(*engine.Summary) float64
}

// ParseTarget reads a target written "column>threshold" (or >=, <, <=;
// spaces allowed), e.g. "bad_debt_usd>1e6" or "stuck_share >= 0.05".
func ParseTarget(s string) (Target, error) {
	i := strings.IndexAny(s, "<>")
	if i < 0 {
		return Target{}, fmt.Errorf("target %q: want column>threshold (or >=, <, <=), e.g. bad_debt_usd>1e6", s)
	}
	t := Target{Column: strings.TrimSpace(s[:i]), Op: s[i : i+1]}
	rest := s[i+1:]
	if strings.HasPrefix(rest, "=") {
		t.Op += "="
		rest = rest[1:]
	}
	v, err := strconv.ParseFloat(strings.ReplaceAll(strings.TrimSpace(rest), "_", ""), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return Target{}, fmt.Errorf("target %q: the threshold %q is not a finite number", s, strings.TrimSpace(rest))
	}
	t.Threshold = v
	var names []string
	for _, c := range engine.SummaryColumns {
		if c.Name == t.Column {
			t.value = c.Value
		}
		names = append(names, c.Name)
	}
	if t.value == nil {
		hint := ""
		if c := closest(t.Column, names); c != "" {
			hint = fmt.Sprintf(" (did you mean %q?)", c)
		}
		return Target{}, fmt.Errorf("target %q: unknown summary column %q%s; docs/outputs.md lists them", s, t.Column, hint)
	}
	return t, nil
}

// String is the target as ParseTarget reads it.
func (t Target) String() string {
	return t.Column + t.Op + strconv.FormatFloat(t.Threshold, 'g', -1, 64)
}

// Hit reports whether a path's summary is the event.
func (t Target) Hit(s *engine.Summary) bool {
	v := t.value(s)
	switch t.Op {
	case ">":
		return v > t.Threshold
	case ">=":
		return v >= t.Threshold
	case "<":
		return v < t.Threshold
	case "<=":
		return v <= t.Threshold
	}
	return false
}

// BreakpointConfidence is the level of the probabilities' intervals.
const BreakpointConfidence = 0.95

// BreakpointOptions configure a reverse stress test.
type BreakpointOptions struct {
	Shock  Shock
	Target Target
	// Prob is the probability at which the target counts as breached,
	// in (0, 1): breached when P(target) ≥ Prob.
	Prob float64
	// Lo and Hi bound the search, 0 ≤ Lo < Hi within the shock's sizes.
	Lo, Hi float64
	// Tol is the bracket width at which the bisection stops, > 0.
	Tol float64
	// At is when the shock hits: a whole number of steps in [step,
	// horizon]; 0 means DefaultShockTime.
	At time.Duration
	// MaxEvals bounds the evaluations (each runs every path), ≥ 2; 0
	// means 50.
	MaxEvals int
	// Workers is passed to engine.Run (0 = GOMAXPROCS).
	Workers int
	// Progress, when set, is called after each evaluation.
	Progress func(BreakpointPoint)
}

// BreakpointPoint is P(target) at one shock size, over every path.
type BreakpointPoint struct {
	Size     float64
	Paths    int
	Events   int     // paths with the target event
	P        float64 // Events / Paths
	CILow    float64 // Clopper–Pearson interval at BreakpointConfidence
	CIHigh   float64
	Breached bool // P ≥ Prob
}

// Breakpoint outcomes.
const (
	// BreakpointBracketed: P(Lo) < Prob ≤ P(Hi) at the final bracket.
	BreakpointBracketed = "bracketed"
	// BreakpointAtLo: the target is breached already at the lower end of
	// the search (the answer is ≤ Lo).
	BreakpointAtLo = "breached_at_lo"
	// BreakpointNotReached: the target is not breached at the upper end
	// (the answer is > Hi, or there is none).
	BreakpointNotReached = "not_breached"
)

// BreakpointResult is the outcome of a reverse stress test.
type BreakpointResult struct {
	Shock     Shock
	Target    string
	Prob      float64
	Seed      uint64
	Paths     int
	At        time.Duration
	Status    string // BreakpointBracketed, BreakpointAtLo or BreakpointNotReached
	Lo, Hi    float64
	Width     float64           // Hi − Lo
	Points    []BreakpointPoint // in evaluation order
	Monotone  bool              // P did not decrease with the size over the evaluated points
	SafeBelow float64           // largest evaluated size whose interval lies below Prob; NaN if none
	BreachAt  float64           // smallest evaluated size whose interval lies at or above Prob; NaN if none
	// Straddling are the evaluated sizes whose interval contains Prob:
	// the paths cannot tell on which side of the breakpoint they are.
	Straddling []float64
}

// Validate checks the options against the run's configuration.
func (o *BreakpointOptions) Validate(cfg *engine.Config) error {
	var errs []error
	if _, err := ParseShock(string(o.Shock)); err != nil {
		errs = append(errs, err)
	}
	if o.Target.value == nil {
		errs = append(errs, errors.New("target: missing (use ParseTarget)"))
	}
	if !(o.Prob > 0 && o.Prob < 1) {
		errs = append(errs, fmt.Errorf("prob: must be in (0, 1), got %v", o.Prob))
	}
	if !(o.Lo >= 0 && o.Lo < o.Hi) || !o.Shock.validSize(o.Lo) || !o.Shock.validSize(o.Hi) {
		want := "[0, 1)"
		if o.Shock == ShockWithdrawalWave {
			want = "[0, 1]"
		}
		errs = append(errs, fmt.Errorf("lo, hi: need 0 ≤ lo < hi, both in %s for %s, got lo %v, hi %v", want, o.Shock, o.Lo, o.Hi))
	}
	if !(o.Tol > 0) || math.IsInf(o.Tol, 0) {
		errs = append(errs, fmt.Errorf("tol: must be > 0, got %v", o.Tol))
	}
	if o.MaxEvals != 0 && o.MaxEvals < 2 {
		errs = append(errs, fmt.Errorf("max evals: must be ≥ 2, got %d", o.MaxEvals))
	}
	if o.At != 0 {
		if err := checkShockTime(cfg, o.At); err != nil {
			errs = append(errs, err)
		}
	}
	if o.Shock == ShockLiquidityHaircut && (cfg.Liquidation == nil || cfg.Liquidation.DEX.DepthUSD == 0) {
		_, err := o.Shock.Apply(cfg, 0, cfg.Step)
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// Breakpoint finds the smallest shock size in [Lo, Hi] at which
// P(target) ≥ Prob, by bisection: it evaluates both ends, then halves the
// bracket [lo, hi] with P(lo) < Prob ≤ P(hi) until it is at most Tol wide
// (or MaxEvals is reached). Every evaluation runs all cfg.Paths paths with
// cfg.Seed (common random numbers). Bisection assumes that P grows with the
// size; Monotone reports whether the evaluated points agree. The result is
// the same for the same configuration, options and seed, whatever the
// number of workers.
func Breakpoint(ctx context.Context, cfg *engine.Config, opts BreakpointOptions) (*BreakpointResult, error) {
	if err := opts.Validate(cfg); err != nil {
		return nil, err
	}
	if opts.At == 0 {
		opts.At = DefaultShockTime(cfg)
	}
	if opts.MaxEvals == 0 {
		opts.MaxEvals = 50
	}
	base := *cfg
	base.Trace.Paths = 0 // no series: only the summaries are counted
	res := &BreakpointResult{Shock: opts.Shock, Target: opts.Target.String(), Prob: opts.Prob,
		Seed: cfg.Seed, Paths: cfg.Paths, At: opts.At, Lo: opts.Lo, Hi: opts.Hi}
	eval := func(size float64) (BreakpointPoint, error) {
		c, err := opts.Shock.Apply(&base, size, opts.At)
		if err != nil {
			return BreakpointPoint{}, err
		}
		counter := &targetCounter{target: opts.Target}
		if err := engine.Run(ctx, c, engine.Options{Workers: opts.Workers}, counter); err != nil {
			return BreakpointPoint{}, fmt.Errorf("%s %v: %w", opts.Shock, size, err)
		}
		pt := BreakpointPoint{Size: size, Paths: counter.paths, Events: counter.events}
		pt.P = float64(pt.Events) / float64(pt.Paths)
		pt.CILow, pt.CIHigh = clopperPearson(pt.Events, pt.Paths, BreakpointConfidence)
		pt.Breached = pt.P >= opts.Prob
		res.Points = append(res.Points, pt)
		if opts.Progress != nil {
			opts.Progress(pt)
		}
		return pt, nil
	}
	lo, err := eval(opts.Lo)
	if err != nil {
		return nil, err
	}
	switch {
	case lo.Breached:
		res.Status = BreakpointAtLo
	default:
		hi, err := eval(opts.Hi)
		if err != nil {
			return nil, err
		}
		if !hi.Breached {
			res.Status = BreakpointNotReached
			break
		}
		res.Status = BreakpointBracketed
		for res.Hi-res.Lo > opts.Tol && len(res.Points) < opts.MaxEvals {
			mid := res.Lo + (res.Hi-res.Lo)/2
			pt, err := eval(mid)
			if err != nil {
				return nil, err
			}
			if pt.Breached {
				res.Hi = mid
			} else {
				res.Lo = mid
			}
		}
	}
	res.Width = res.Hi - res.Lo
	res.summarize(opts.Prob)
	return res, nil
}

// summarize fills Monotone, SafeBelow, BreachAt and Straddling from the
// points.
func (r *BreakpointResult) summarize(prob float64) {
	pts := slices.Clone(r.Points)
	slices.SortFunc(pts, func(a, b BreakpointPoint) int {
		switch {
		case a.Size < b.Size:
			return -1
		case a.Size > b.Size:
			return 1
		}
		return 0
	})
	r.Monotone = true
	r.SafeBelow, r.BreachAt = math.NaN(), math.NaN()
	r.Straddling = nil
	for i, p := range pts {
		if i > 0 && p.Events < pts[i-1].Events {
			r.Monotone = false
		}
		switch {
		case p.CIHigh < prob:
			r.SafeBelow = p.Size // increasing sizes: the last is the largest
		case p.CILow >= prob:
			if math.IsNaN(r.BreachAt) {
				r.BreachAt = p.Size
			}
		default:
			r.Straddling = append(r.Straddling, p.Size)
		}
	}
}

// targetCounter is a Sink that counts the paths with the target event.
type targetCounter struct {
	target        Target
	paths, events int
}

func (c *targetCounter) Write(batch []engine.PathResult) error {
	for i := range batch {
		c.paths++
		if c.target.Hit(&batch[i].Summary) {
			c.events++
		}
	}
	return nil
}

// clopperPearson is the exact binomial interval at level for k events in
// n trials.
func clopperPearson(k, n int, level float64) (lo, hi float64) {
	if n < 1 || k < 0 || k > n {
		return math.NaN(), math.NaN()
	}
	alpha := (1 - level) / 2
	lo, hi = 0, 1
	if k > 0 {
		lo = distuv.Beta{Alpha: float64(k), Beta: float64(n - k + 1)}.Quantile(alpha)
	}
	if k < n {
		hi = distuv.Beta{Alpha: float64(k + 1), Beta: float64(n - k)}.Quantile(1 - alpha)
	}
	return lo, hi
}
