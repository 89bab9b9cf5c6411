package engine

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/spiralrisk/spiral/engine/internal/field"
	"github.com/spiralrisk/spiral/engine/lending"
	"github.com/spiralrisk/spiral/stochastic"
)

// Policy is the protocol's circuit breakers (DESIGN §4, phase 9): pauses
// that stop pool actions for a while after a trigger and a reaction delay,
// governance changes of parameters that take effect after a timelock, and
// stewards that move a parameter towards a target by a bounded step per
// period. Caps are pool parameters (lending.Params.SupplyCap, BorrowCap);
// governance and stewards may change them.
//
// Timing, at step granularity. Phase 9 of step s looks at the state at the
// end of step s (hour s·Step). A trigger holds at a step end when its signal
// is ≥ its Level; it fires at the end of step s when it has held at the ends
// of steps s − n, …, s, n = For/Step (it has held for For). An action with
// delay d (a pause's reaction delay, a change's timelock) fired or queued at
// hour h is in force from hour h + d: from step s + d/Step + 1 on. A change
// with delay 0 is in force from the next step.
type Policy struct {
	// Pauses stop pool actions after a trigger.
	Pauses []Pause
	// Governance are parameter changes through a timelock.
	Governance []GovernanceChange
	// Stewards move parameters towards targets in bounded steps.
	Stewards []Steward
}

// PauseAction is a set of pool actions a pause stops, a bit mask.
type PauseAction uint8

// Pause actions and the phases they stop.
const (
	// PauseBorrow stops new borrowing (phase 5); repayments go on.
	PauseBorrow PauseAction = 1 << iota
	// PauseWithdraw stops paying the withdrawal queue (phase 8); requests
	// still join the queue and wait.
	PauseWithdraw
	// PauseDeposit stops new deposits (phase 7).
	PauseDeposit
	// PauseLiquidate stops liquidations (phase 6); the positions that stay
	// liquidatable are counted (Summary.SkippedPaused).
	PauseLiquidate
)

// PauseActions lists the pause actions in bit order.
var PauseActions = [...]PauseAction{PauseBorrow, PauseWithdraw, PauseDeposit, PauseLiquidate}

var pauseNames = [...]string{"borrow", "withdraw", "deposit", "liquidate"}

// String is the actions' names joined by "+", e.g. "borrow+withdraw".
func (a PauseAction) String() string {
	var names []string
	for i, b := range PauseActions {
		if a&b != 0 {
			names = append(names, pauseNames[i])
		}
	}
	if rest := a &^ (1<<len(PauseActions) - 1); rest != 0 || len(names) == 0 {
		names = append(names, fmt.Sprintf("PauseAction(%d)", uint8(a)))
	}
	return strings.Join(names, "+")
}

// ParsePauseAction reads one action's name as written in scenario files.
func ParsePauseAction(name string) (PauseAction, error) {
	for i, n := range pauseNames {
		if n == name {
			return PauseActions[i], nil
		}
	}
	return 0, fmt.Errorf("unknown action %q; one of %s", name, strings.Join(pauseNames[:], ", "))
}

// Signal names a stress measure observed at the end of a step; the same
// measures the withdrawal behaviours react to ([stochastic.Signals]).
type Signal uint8

// Signals. The zero Signal is invalid.
const (
	// SignalUtilization is the pool's utilization, in [0, 1].
	SignalUtilization Signal = iota + 1
	// SignalDrawdown is the fall of the collateral's market price from its
	// running peak, in [0, 1].
	SignalDrawdown
	// SignalUnmetQueue is the unpaid withdrawal queue / deposits, in [0, 1].
	SignalUnmetQueue
	// SignalBadDebt is the realized bad debt / initial deposits, ≥ 0.
	SignalBadDebt
	// SignalDepeg is 1 − the stablecoin's price, clamped at ≥ 0.
	SignalDepeg
)

var signalNames = [...]string{"", "utilization", "drawdown", "unmet_queue", "bad_debt", "depeg"}

// String is the signal's name in scenario files.
func (g Signal) String() string {
	if g > 0 && int(g) < len(signalNames) {
		return signalNames[g]
	}
	return fmt.Sprintf("Signal(%d)", g)
}

// ParseSignal reads a signal's name.
func ParseSignal(name string) (Signal, error) {
	for i, n := range signalNames {
		if i > 0 && n == name {
			return Signal(i), nil
		}
	}
	return 0, fmt.Errorf("unknown signal %q; one of %s", name, strings.Join(signalNames[1:], ", "))
}

func (g Signal) value(s *stochastic.Signals) float64 {
	switch g {
	case SignalUtilization:
		return s.Utilization
	case SignalDrawdown:
		return s.Drawdown
	case SignalUnmetQueue:
		return s.UnmetQueue
	case SignalBadDebt:
		return s.BadDebt
	case SignalDepeg:
		return s.Depeg
	}
	return math.NaN()
}

// Trigger is a condition on a signal held for a time.
type Trigger struct {
	// Signal is the measure watched.
	Signal Signal
	// Level is the value at or above which the condition holds, in [0, 1]
	// (bad_debt: [0, 100]).
	Level float64
	// For is how long the condition must have held before the trigger
	// fires, a whole number of steps in [0, 365d]; 0 fires at the first step
	// end where it holds.
	For time.Duration
}

// Pause stops Actions for Duration, Delay after its trigger fires (a
// guardian's or multisig's reaction time). When the pause is over the rule
// is armed again and its trigger's condition must hold anew for For, up to
// MaxActivations activations.
type Pause struct {
	// Actions are the actions stopped, a non-empty set.
	Actions PauseAction
	// Trigger fires the pause.
	Trigger Trigger
	// Delay is the reaction delay from the trigger to the pause, a whole
	// number of steps in [0, 365d].
	Delay time.Duration
	// Duration is how long the pause lasts, a whole number of steps in
	// [step, 3650d].
	Duration time.Duration
	// MaxActivations bounds how often the rule pauses on one path, in
	// [0, 1e6]; 0 means no bound.
	MaxActivations int
}

// Param is a pool or market parameter governance and stewards may change.
type Param uint8

// Parameters. The zero Param is invalid.
const (
	ParamBase                 Param = iota + 1 // rate_model.base, annual fraction (kinked, jump_rate)
	ParamSlope1                                // rate_model.slope1 (kinked)
	ParamSlope2                                // rate_model.slope2 (kinked)
	ParamOptimal                               // rate_model.optimal (kinked)
	ParamMultiplier                            // rate_model.multiplier (jump_rate)
	ParamJumpMultiplier                        // rate_model.jump_multiplier (jump_rate)
	ParamKink                                  // rate_model.kink (jump_rate)
	ParamLiquidationThreshold                  // liquidation_threshold, fraction (needs positions)
	ParamBonus                                 // bonus, liquidation bonus fraction (needs positions)
	ParamReserveFactor                         // reserve_factor, fraction
	ParamSupplyCap                             // supply_cap, USD; 0 = no cap
	ParamBorrowCap                             // borrow_cap, USD; 0 = no cap
)

var paramNames = [...]string{"", "rate_model.base", "rate_model.slope1", "rate_model.slope2", "rate_model.optimal",
	"rate_model.multiplier", "rate_model.jump_multiplier", "rate_model.kink",
	"liquidation_threshold", "bonus", "reserve_factor", "supply_cap", "borrow_cap"}

// String is the parameter's name in scenario files.
func (p Param) String() string {
	if p > 0 && int(p) < len(paramNames) {
		return paramNames[p]
	}
	return fmt.Sprintf("Param(%d)", p)
}

// ParseParam reads a parameter's name.
func ParseParam(name string) (Param, error) {
	for i, n := range paramNames {
		if i > 0 && n == name {
			return Param(i), nil
		}
	}
	return 0, fmt.Errorf("unknown field %q; one of %s", name, strings.Join(paramNames[1:], ", "))
}

// GovernanceChange sets Param to Value, Timelock after it is queued: at At,
// or when Trigger fires (once).
type GovernanceChange struct {
	// Param is the parameter changed.
	Param Param
	// Value is its new value, in the parameter's range (caps: USD ≥ 0,
	// 0 removes the cap; a cap below the current total only stops new
	// deposits or borrowing).
	Value float64
	// At is when the change is queued (the vote passes), a whole number of
	// steps in [0, horizon]; ignored with a Trigger.
	At time.Duration
	// Trigger, when set, queues the change when it fires instead of at At.
	Trigger *Trigger
	// Timelock is the time from queueing to effect, a whole number of steps
	// in [0, 365d] (Aave's short executor: 1 day plus a vote of days).
	Timelock time.Duration
}

// Steward moves Param towards Target by at most MaxChange per update, one
// update per Period (Aave's risk stewards): the first update as soon as it
// is active — at the start of the path, or at the step end where Trigger
// fires — then one every Period. An update takes effect from the next
// step. A steward does not act on a cap while the cap is 0 (no cap).
type Steward struct {
	// Param is the parameter moved.
	Param Param
	// Target is the value the steward moves towards, in the parameter's range
	// (caps: > 0).
	Target float64
	// MaxChange bounds one update: in the parameter's unit, finite and > 0,
	// or with Relative a fraction of the current value in (0, 10].
	MaxChange float64
	// Relative makes MaxChange a fraction of the parameter's current value.
	Relative bool
	// Period is the time between updates, a whole number of steps in
	// [step, 365d].
	Period time.Duration
	// Trigger, when set, activates the steward when it fires; nil: active
	// from the start.
	Trigger *Trigger
}

// Validate reports every parameter outside its range; paths start with
// "policy.".
func (p *Policy) Validate(c *Config) error {
	var errs []error
	add := func(path string, err error) {
		if err != nil {
			errs = append(errs, field.Prefix(path, err))
		}
	}
	for i, r := range p.Pauses {
		path := fmt.Sprintf("policy.pauses.%d", i)
		if r.Actions == 0 || r.Actions>>len(PauseActions) != 0 {
			add(path+".actions", fmt.Errorf("must name at least one of %s", strings.Join(pauseNames[:], ", ")))
		} else if r.Actions&PauseLiquidate != 0 && c.Liquidation == nil {
			add(path+".actions", errors.New("liquidate needs positions: there is no liquidation without a position book"))
		}
		add(path+".trigger", r.Trigger.validate(c))
		add(path+".delay", wholeSteps(r.Delay, c.Step, 365*24*time.Hour))
		if err := wholeSteps(r.Duration, c.Step, 3650*24*time.Hour); err != nil {
			add(path+".duration", err)
		} else if r.Duration < c.Step {
			add(path+".duration", fmt.Errorf("must be at least one step (%v), got %v", c.Step, r.Duration))
		}
		if r.MaxActivations < 0 || r.MaxActivations > 1e6 {
			add(path+".max_activations", fmt.Errorf("must be in [0, 1e6] (0 = no bound), got %d", r.MaxActivations))
		}
	}
	for i, g := range p.Governance {
		path := fmt.Sprintf("policy.governance.%d", i)
		if err := g.Param.applies(c); err != nil {
			add(path+".field", err)
		} else {
			add(path+".value", g.Param.checkValue(c, g.Value, false))
		}
		if g.Trigger != nil {
			add(path+".trigger", g.Trigger.validate(c))
		} else if err := wholeSteps(g.At, c.Step, c.Horizon); err != nil {
			add(path+".at", err)
		}
		add(path+".timelock", wholeSteps(g.Timelock, c.Step, 365*24*time.Hour))
	}
	for i, s := range p.Stewards {
		path := fmt.Sprintf("policy.stewards.%d", i)
		if err := s.Param.applies(c); err != nil {
			add(path+".field", err)
		} else {
			add(path+".target", s.Param.checkValue(c, s.Target, true))
		}
		if s.Relative {
			add(path, check("max_change", s.MaxChange > 0 && s.MaxChange <= 10, "(0, 10] (relative)", s.MaxChange))
		} else {
			add(path, check("max_change", s.MaxChange > 0 && !math.IsInf(s.MaxChange, 1), "(0, +Inf) (the parameter's unit)", s.MaxChange))
		}
		if err := wholeSteps(s.Period, c.Step, 365*24*time.Hour); err != nil {
			add(path+".period", err)
		} else if s.Period < c.Step {
			add(path+".period", fmt.Errorf("must be at least one step (%v), got %v", c.Step, s.Period))
		}
		if s.Trigger != nil {
			add(path+".trigger", s.Trigger.validate(c))
		}
	}
	return errors.Join(errs...)
}

func (t *Trigger) validate(c *Config) error {
	var errs []error
	switch {
	case t.Signal == 0 || int(t.Signal) >= len(signalNames):
		errs = append(errs, fmt.Errorf("signal: must be one of %s", strings.Join(signalNames[1:], ", ")))
	case t.Signal == SignalDepeg && c.Stablecoin == nil:
		errs = append(errs, errors.New("signal: depeg needs a stablecoin"))
	case t.Signal == SignalBadDebt && c.Liquidation == nil:
		errs = append(errs, errors.New("signal: bad_debt needs positions: there is no bad debt without a position book"))
	}
	if t.Signal == SignalBadDebt {
		errs = append(errs, check("level", t.Level >= 0 && t.Level <= 100, "[0, 100]", t.Level))
	} else {
		errs = append(errs, check("level", t.Level >= 0 && t.Level <= 1, "[0, 1]", t.Level))
	}
	errs = append(errs, field.Prefix("for", wholeSteps(t.For, c.Step, 365*24*time.Hour)))
	return errors.Join(errs...)
}

// applies reports why p cannot be changed in c, or nil.
func (p Param) applies(c *Config) error {
	switch p {
	case ParamBase, ParamSlope1, ParamSlope2, ParamOptimal, ParamMultiplier, ParamJumpMultiplier, ParamKink:
		model := "kinked"
		switch p {
		case ParamMultiplier, ParamJumpMultiplier, ParamKink:
			model = "jump_rate"
		}
		switch c.Pool.Rates.(type) {
		case lending.Kinked:
			if model == "kinked" || p == ParamBase {
				return nil
			}
		case lending.JumpRate:
			if model == "jump_rate" || p == ParamBase {
				return nil
			}
		default:
			return fmt.Errorf("%v: only the kinked and jump_rate models can be changed", p)
		}
		return fmt.Errorf("%v applies to the %s rate model, not the pool's", p, model)
	case ParamLiquidationThreshold, ParamBonus:
		if c.Liquidation == nil {
			return fmt.Errorf("%v needs positions: there is no liquidation without a position book", p)
		}
		return nil
	case ParamReserveFactor, ParamSupplyCap, ParamBorrowCap:
		return nil
	}
	return fmt.Errorf("must be one of %s", strings.Join(paramNames[1:], ", "))
}

// checkValue reports a value outside p's range; p applies to c. A steward's
// cap target must be > 0.
func (p Param) checkValue(c *Config, v float64, steward bool) error {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return fmt.Errorf("must be finite, got %v", v)
	}
	var err error
	switch p {
	case ParamBase, ParamSlope1, ParamSlope2, ParamOptimal, ParamMultiplier, ParamJumpMultiplier, ParamKink:
		var rates rateParams
		rates.init(c.Pool.Rates)
		rates.set(p, v)
		err = rates.model().Validate()
	case ParamLiquidationThreshold, ParamBonus:
		r := c.Liquidation.Rules
		if p == ParamLiquidationThreshold {
			r.LiquidationThreshold = v
		} else {
			r.Bonus = v
		}
		err = r.Validate()
	case ParamReserveFactor:
		if !(v >= 0 && v < 1) {
			return fmt.Errorf("must be in [0, 1), got %v", v)
		}
	case ParamSupplyCap, ParamBorrowCap:
		if steward && !(v > 0) {
			return fmt.Errorf("must be > 0 USD (a steward moves a cap, it does not remove it), got %v", v)
		}
		if !(v >= 0) {
			return fmt.Errorf("must be ≥ 0 USD (0 = no cap), got %v", v)
		}
	}
	if err != nil {
		// "slope1: must be in …" → "must be in …": the field is p.
		_, msg, _ := strings.Cut(field.Leaves(err)[0].Error(), ": ")
		return errors.New(msg)
	}
	return nil
}

// rateParams holds a path's copy of a kinked or jump-rate model; the pool
// reads it through a pointer, so changing it allocates nothing.
type rateParams struct {
	kinked lending.Kinked
	jump   lending.JumpRate
	isJump bool
	other  lending.RateModel // any other model, never changed
}

func (r *rateParams) init(m lending.RateModel) {
	*r = rateParams{}
	switch v := m.(type) {
	case lending.Kinked:
		r.kinked = v
	case lending.JumpRate:
		r.jump, r.isJump = v, true
	default:
		r.other = m
	}
}

// model is the rate model the pool reads: a pointer into r.
func (r *rateParams) model() lending.RateModel {
	switch {
	case r.other != nil:
		return r.other
	case r.isJump:
		return &r.jump
	}
	return &r.kinked
}

func (r *rateParams) field(p Param) *float64 {
	if r.isJump {
		switch p {
		case ParamBase:
			return &r.jump.Base
		case ParamMultiplier:
			return &r.jump.Multiplier
		case ParamJumpMultiplier:
			return &r.jump.JumpMultiplier
		case ParamKink:
			return &r.jump.Kink
		}
		return nil
	}
	switch p {
	case ParamBase:
		return &r.kinked.Base
	case ParamSlope1:
		return &r.kinked.Slope1
	case ParamSlope2:
		return &r.kinked.Slope2
	case ParamOptimal:
		return &r.kinked.Optimal
	}
	return nil
}

func (r *rateParams) set(p Param, v float64) {
	if f := r.field(p); f != nil {
		*f = v
	}
}

// policyState is one worker's policy state: the parameters of the current
// path and the progress of every rule. It is allocated once per worker and
// reset for every path.
type policyState struct {
	pol    *Policy
	params lending.Params // the path's pool parameters; the pool reads them
	rates  rateParams
	rules  lending.LiquidationRules // the path's liquidation rules
	// Per rule, in the order of pol's lists.
	pauses   []pauseState
	changes  []changeState
	stewards []stewardState
	// mask holds the pauses in force in the current step.
	mask PauseAction
	// events counts triggers fired and changes applied in the current step.
	events int
}

type pauseState struct {
	run        int // consecutive step ends with the condition holding
	start, end int // in force in steps [start, end); end == 0: armed
	fired      int // activations so far
}

type changeState struct {
	run  int
	due  int // step at whose end it applies; −1: not queued
	done bool
}

type stewardState struct {
	run  int
	next int // step at whose end it next updates; −1: not active
}

func newPolicyState(c *Config) *policyState {
	p := c.Policy
	return &policyState{
		pol:      p,
		pauses:   make([]pauseState, len(p.Pauses)),
		changes:  make([]changeState, len(p.Governance)),
		stewards: make([]stewardState, len(p.Stewards)),
	}
}

// stepsIn is the number of whole steps in d.
func (r *pathRunner) stepsIn(d time.Duration) int { return int(d / r.cfg.Step) }

// resetPolicy restores the configured parameters and rules and applies what
// is due at the start of the path (step 0): changes queued at 0 without a
// timelock and stewards active from the start.
func (r *pathRunner) resetPolicy(s *Summary) {
	ps := r.pol
	cfg := r.cfg
	ps.rates.init(cfg.Pool.Rates)
	ps.params = cfg.Pool
	ps.params.Rates = ps.rates.model()
	if cfg.Liquidation != nil {
		ps.rules = cfg.Liquidation.Rules
	}
	ps.mask, ps.events = 0, 0
	for i := range ps.pauses {
		ps.pauses[i] = pauseState{}
	}
	for i, g := range ps.pol.Governance {
		ps.changes[i] = changeState{due: -1}
		if g.Trigger == nil {
			ps.changes[i].due = r.stepsIn(g.At) + r.stepsIn(g.Timelock)
		}
	}
	for i, w := range ps.pol.Stewards {
		ps.stewards[i] = stewardState{next: -1}
		if w.Trigger == nil {
			ps.stewards[i].next = 0
		}
	}
	r.applyDue(0, s)
}

// observe records whether t holds at this step end and reports whether it
// fires: it has held at the ends of the last For/Step + 1 steps.
func (r *pathRunner) observe(run *int, t *Trigger, sig *stochastic.Signals) bool {
	if t.Signal.value(sig) >= t.Level {
		*run++
	} else {
		*run = 0
	}
	return *run > r.stepsIn(t.For)
}

// fired notes a trigger firing at the end of step.
func (r *pathRunner) fired(step int, s *Summary) {
	r.pol.events++
	if math.IsNaN(s.FirstTriggerHour) {
		s.FirstTriggerHour = float64(step) * r.hours
	}
}

// policy is phase 9 at the end of step, with sig the state at the step's
// end: triggers are checked, due changes and steward updates applied, and
// the pauses in force in the next step set.
func (r *pathRunner) policy(step int, sig *stochastic.Signals, s *Summary) {
	ps := r.pol
	pol := ps.pol
	ps.events = 0
	for i := range pol.Pauses {
		rule, st := &pol.Pauses[i], &ps.pauses[i]
		if st.end > 0 && step+1 >= st.end { // over: armed again
			st.end, st.start, st.run = 0, 0, 0
		}
		if st.end > 0 || rule.MaxActivations > 0 && st.fired >= rule.MaxActivations {
			continue
		}
		if r.observe(&st.run, &rule.Trigger, sig) {
			st.fired++
			st.start = step + r.stepsIn(rule.Delay) + 1
			st.end = st.start + r.stepsIn(rule.Duration)
			r.fired(step, s)
		}
	}
	for i := range pol.Governance {
		g, st := &pol.Governance[i], &ps.changes[i]
		if g.Trigger != nil && st.due < 0 && r.observe(&st.run, g.Trigger, sig) {
			st.due = step + r.stepsIn(g.Timelock)
			r.fired(step, s)
		}
	}
	for i := range pol.Stewards {
		w, st := &pol.Stewards[i], &ps.stewards[i]
		if w.Trigger != nil && st.next < 0 && r.observe(&st.run, w.Trigger, sig) {
			st.next = step
			r.fired(step, s)
		}
	}
	r.applyDue(step, s)

	next := step + 1
	ps.mask = 0
	for i := range pol.Pauses {
		st := &ps.pauses[i]
		if st.end > 0 && st.start <= next && next < st.end {
			ps.mask |= pol.Pauses[i].Actions
			if next == st.start && next <= r.steps {
				s.Pauses++
				if math.IsNaN(s.FirstPauseHour) {
					s.FirstPauseHour = float64(step) * r.hours
				}
			}
		}
	}
}

// applyDue applies the governance changes and steward updates due at the
// end of step (0: the start of the path).
func (r *pathRunner) applyDue(step int, s *Summary) {
	ps := r.pol
	pol := ps.pol
	for i := range pol.Governance {
		st := &ps.changes[i]
		if !st.done && st.due == step {
			st.done = true
			r.setParam(pol.Governance[i].Param, pol.Governance[i].Value)
			s.GovernanceChanges++
			ps.events++
		}
	}
	for i := range pol.Stewards {
		w, st := &pol.Stewards[i], &ps.stewards[i]
		if st.next != step {
			continue
		}
		st.next += r.stepsIn(w.Period)
		cur := r.param(w.Param)
		if (w.Param == ParamSupplyCap || w.Param == ParamBorrowCap) && cur == 0 {
			continue // no cap: nothing to move
		}
		limit := w.MaxChange
		if w.Relative {
			limit *= math.Abs(cur)
		}
		v := cur + min(max(w.Target-cur, -limit), limit)
		if v != cur {
			r.setParam(w.Param, v)
			s.StewardUpdates++
			ps.events++
		}
	}
}

// param is p's value on the current path.
func (r *pathRunner) param(p Param) float64 {
	ps := r.pol
	switch p {
	case ParamLiquidationThreshold:
		return ps.rules.LiquidationThreshold
	case ParamBonus:
		return ps.rules.Bonus
	case ParamReserveFactor:
		return ps.params.ReserveFactor
	case ParamSupplyCap:
		return ps.params.SupplyCap
	case ParamBorrowCap:
		return ps.params.BorrowCap
	}
	if f := ps.rates.field(p); f != nil {
		return *f
	}
	return math.NaN()
}

// setParam sets p on the current path. The book follows a threshold change
// (its order does not depend on it); a bonus change releases parked
// positions, whose parking assumed the old bonus.
func (r *pathRunner) setParam(p Param, v float64) {
	ps := r.pol
	switch p {
	case ParamLiquidationThreshold:
		ps.rules.LiquidationThreshold = v
		r.book.SetLiquidationThreshold(v)
	case ParamBonus:
		ps.rules.Bonus = v
		r.book.Unpark()
		r.parking = parking{}
	case ParamReserveFactor:
		ps.params.ReserveFactor = v
	case ParamSupplyCap:
		ps.params.SupplyCap = v
	case ParamBorrowCap:
		ps.params.BorrowCap = v
	default:
		ps.rates.set(p, v)
	}
}

// pausedLiquidations is phase 6 while liquidations are paused: nothing is
// liquidated; the positions left liquidatable are counted, and the 24 h
// bad-debt window moves on.
func (r *pathRunner) pausedLiquidations(step int, s *Summary) {
	m, book := r.market, r.book
	index := r.pool.BorrowIndex
	s.SkippedPaused += book.Liquidatable(m.oracle, index)
	s.MaxToxicPositions = max(s.MaxToxicPositions, book.Toxic(m.oracle, index, r.rules.Bonus))
	r.absorb(0, step, s)
}

// recordPauses adds the step's paused hours to s.
func (r *pathRunner) recordPauses(mask PauseAction, s *Summary) {
	if mask == 0 {
		return
	}
	h := r.hours
	if mask&PauseBorrow != 0 {
		s.HoursPausedBorrow += h
	}
	if mask&PauseWithdraw != 0 {
		s.HoursPausedWithdraw += h
	}
	if mask&PauseDeposit != 0 {
		s.HoursPausedDeposit += h
	}
	if mask&PauseLiquidate != 0 {
		s.HoursPausedLiquidate += h
	}
}
