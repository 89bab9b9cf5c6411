package experiments

import (
	"fmt"

	"github.com/spiralrisk/spiral/engine"
)

// The policy section: circuit breakers, built into an [engine.Policy].
// Pauses stop pool actions after a trigger and a reaction delay; governance
// changes set a parameter after a timelock; stewards move a parameter
// towards a target by a bounded step per period. The timing is
// [engine.Policy]'s: an action fired at the end of step s with a delay of k
// steps is in force from step s + k + 1.

// Policy is the scenario's circuit breakers. Default (absent): none.
type Policy struct {
	// Pauses stop pool actions after a trigger. Default none.
	Pauses []Pause `yaml:"pauses"`
	// Governance are parameter changes through a timelock. Default none.
	Governance []GovernanceChange `yaml:"governance"`
	// Stewards move parameters in bounded steps. Default none.
	Stewards []Steward `yaml:"stewards"`
}

func (p *Policy) setDefaults() {
	*p = Policy{Pauses: []Pause{}, Governance: []GovernanceChange{}, Stewards: []Steward{}}
}

// PolicyTrigger is a condition on a stress signal held for a time,
// [engine.Trigger].
type PolicyTrigger struct {
	// Signal is the measure watched: utilization, drawdown, unmet_queue,
	// bad_debt or depeg. Required.
	Signal string `yaml:"signal,required"`
	// Level is the value at or above which the condition holds, in [0, 1]
	// (bad_debt: [0, 100]). Required.
	Level float64 `yaml:"level,required"`
	// For is how long the condition must hold before the trigger fires,
	// whole steps in [0, 365d]. Default 0s (the first step end).
	For Duration `yaml:"for"`
}

// Pause stops actions for a duration after a trigger and a reaction delay,
// [engine.Pause].
type Pause struct {
	// Actions are the actions stopped: borrow, withdraw, deposit,
	// liquidate. Required, at least one.
	Actions []string `yaml:"actions,required"`
	// Trigger fires the pause. Required.
	Trigger PolicyTrigger `yaml:"trigger,required"`
	// Delay is the reaction delay, whole steps in [0, 365d]. Default 0s.
	Delay Duration `yaml:"delay"`
	// Duration is how long the pause lasts, whole steps in [step, 3650d].
	// Required.
	Duration Duration `yaml:"duration,required"`
	// MaxActivations bounds the pauses per path, in [0, 1e6]; 0 = no bound
	// (the rule re-arms when a pause ends). Default 0.
	MaxActivations int `yaml:"max_activations"`
}

// GovernanceChange sets a parameter after a timelock,
// [engine.GovernanceChange]. It is queued at `at` or when `trigger` fires
// (one of the two).
type GovernanceChange struct {
	// Field is the parameter: rate_model.base, rate_model.slope1, …,
	// liquidation_threshold, bonus, reserve_factor, supply_cap,
	// borrow_cap. Required.
	Field string `yaml:"field,required"`
	// Value is the new value, in the parameter's range. Required.
	Value float64 `yaml:"value,required"`
	// At is when the change is queued, whole steps in [0, horizon].
	// Required unless trigger is given.
	At Duration `yaml:"at"`
	// Trigger queues the change when it fires. Default none (at applies).
	Trigger *PolicyTrigger `yaml:"trigger"`
	// Timelock is the time from queueing to effect, whole steps in
	// [0, 365d]. Default 0s.
	Timelock Duration `yaml:"timelock"`
}

// skip leaves `at` out of Resolved for a triggered change.
func (g GovernanceChange) skip(key string) bool { return key == "at" && g.Trigger != nil }

// Steward moves a parameter towards a target by at most max_change per
// period, [engine.Steward].
type Steward struct {
	// Field is the parameter, as in governance. Required.
	Field string `yaml:"field,required"`
	// Target is the value moved towards. Required.
	Target float64 `yaml:"target,required"`
	// MaxChange bounds one update, in the parameter's unit (or a fraction
	// of its current value with relative). Required.
	MaxChange float64 `yaml:"max_change,required"`
	// Relative makes max_change a fraction of the current value. Default
	// false.
	Relative bool `yaml:"relative"`
	// Period is the time between updates, whole steps in [step, 365d].
	// Required.
	Period Duration `yaml:"period,required"`
	// Trigger activates the steward when it fires. Default none (active
	// from the start).
	Trigger *PolicyTrigger `yaml:"trigger"`
}

// policy builds cfg.Policy. It returns the problems of names only a file can
// have, and the engine problems to drop because they repeat these.
func (s *Scenario) policy(cfg *engine.Config) (problems []Problem, drop []string) {
	p := s.Policy
	if p == nil {
		return nil, nil
	}
	bad := func(path, msg string) {
		problems = append(problems, s.problemAt(path, msg))
		drop = append(drop, path)
	}
	trigger := func(path string, t *PolicyTrigger) engine.Trigger {
		g, err := engine.ParseSignal(t.Signal)
		if err != nil {
			bad(path+".signal", suggest(err, t.Signal, signalNames()))
		}
		return engine.Trigger{Signal: g, Level: t.Level, For: t.For.Std()}
	}
	param := func(path, name string) engine.Param {
		q, err := engine.ParseParam(name)
		if err != nil {
			bad(path, suggest(err, name, paramNames()))
		}
		return q
	}
	pol := &engine.Policy{}
	for i, r := range p.Pauses {
		path := fmt.Sprintf("policy.pauses.%d", i)
		var actions engine.PauseAction
		for j, name := range r.Actions {
			a, err := engine.ParsePauseAction(name)
			if err != nil {
				bad(path+".actions", fmt.Sprintf("entry %d: %s", j, suggest(err, name, actionNames())))
			} else if actions&a != 0 {
				bad(path+".actions", fmt.Sprintf("entry %d: %s is listed twice", j, name))
			}
			actions |= a
		}
		pol.Pauses = append(pol.Pauses, engine.Pause{
			Actions:        actions,
			Trigger:        trigger(path+".trigger", &r.Trigger),
			Delay:          r.Delay.Std(),
			Duration:       r.Duration.Std(),
			MaxActivations: r.MaxActivations,
		})
	}
	for i, g := range p.Governance {
		path := fmt.Sprintf("policy.governance.%d", i)
		c := engine.GovernanceChange{Param: param(path+".field", g.Field), Value: g.Value, At: g.At.Std(), Timelock: g.Timelock.Std()}
		_, hasAt := s.positions[path+".at"]
		if g.Trigger != nil {
			t := trigger(path+".trigger", g.Trigger)
			c.Trigger = &t
			if hasAt {
				bad(path+".at", "not allowed with trigger: a change is queued at a time or when its trigger fires")
			}
		} else if !hasAt && len(s.positions) > 0 {
			problems = append(problems, s.elementProblem(path, path+".at", "missing required key (or give trigger)"))
		}
		pol.Governance = append(pol.Governance, c)
	}
	for i, w := range p.Stewards {
		path := fmt.Sprintf("policy.stewards.%d", i)
		st := engine.Steward{Param: param(path+".field", w.Field), Target: w.Target, MaxChange: w.MaxChange,
			Relative: w.Relative, Period: w.Period.Std()}
		if w.Trigger != nil {
			t := trigger(path+".trigger", w.Trigger)
			st.Trigger = &t
		}
		pol.Stewards = append(pol.Stewards, st)
	}
	cfg.Policy = pol
	return problems, drop
}

// elementProblem is a problem about field in the list entry at path (which
// the decoder does not record): at the entry's first key in the file.
func (s *Scenario) elementProblem(path, field, msg string) Problem {
	p := Problem{File: s.File, Field: field, Msg: msg}
	for k, pos := range s.positions {
		if len(k) > len(path) && k[:len(path)+1] == path+"." &&
			(p.Line == 0 || pos.keyLine < p.Line || pos.keyLine == p.Line && pos.keyColumn < p.Column) {
			p.Line, p.Column = pos.keyLine, pos.keyColumn
		}
	}
	return p
}

// suggest adds the closest known name to a parse error, for typos.
func suggest(err error, name string, known []string) string {
	if c := closest(name, known); c != "" && c != name {
		return fmt.Sprintf("%v (did you mean %q?)", err, c)
	}
	return err.Error()
}

func signalNames() (names []string) {
	for g := engine.SignalUtilization; g <= engine.SignalDepeg; g++ {
		names = append(names, g.String())
	}
	return names
}

func paramNames() (names []string) {
	for p := engine.ParamBase; p <= engine.ParamBorrowCap; p++ {
		names = append(names, p.String())
	}
	return names
}

func actionNames() (names []string) {
	for _, a := range engine.PauseActions {
		names = append(names, a.String())
	}
	return names
}
