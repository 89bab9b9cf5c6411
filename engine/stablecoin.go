package engine

import (
	"errors"
	"fmt"
	"time"

	"github.com/spiralrisk/spiral/engine/internal/field"
	"github.com/spiralrisk/spiral/engine/stablecoin"
)

// Coupling is how a stablecoin feeds into the lending pool.
type Coupling uint8

// Couplings. In every coupling the depeg 1 − price (at the end of the
// previous step, ≥ 0) is the withdrawal behaviours' Depeg signal.
const (
	// CouplingSignal: the stablecoin is only a panic signal for depositors.
	CouplingSignal Coupling = iota
	// CouplingAsset: the stablecoin is the pool's asset. The pool's cash is
	// stablecoins held by the protocol (not part of the holders' float);
	// what depositors withdraw reaches the holders, who sell
	// Holders.WithdrawnSellShare of it at once in the next step; new
	// deposits come from the float. Pool amounts stay in tokens; their
	// dollar value is tokens × price.
	CouplingAsset
	// CouplingCollateral: the stablecoin is the positions' collateral. The
	// exogenous collateral price becomes the price process × the
	// stablecoin's price (use a flat process for the peg alone), so positions
	// are repriced as it depegs.
	CouplingCollateral
)

var couplingNames = [...]string{"signal", "asset", "collateral"}

// String is the coupling's name in scenario files.
func (c Coupling) String() string {
	if int(c) < len(couplingNames) {
		return couplingNames[c]
	}
	return fmt.Sprintf("Coupling(%d)", c)
}

// ParseCoupling reads a coupling's name.
func ParseCoupling(s string) (Coupling, error) {
	for i, n := range couplingNames {
		if n == s {
			return Coupling(i), nil
		}
	}
	return 0, fmt.Errorf("unknown coupling %q; one of signal, asset, collateral", s)
}

// Stablecoin adds a stablecoin run to the path (package stablecoin) and
// couples it to the pool.
type Stablecoin struct {
	// Model is the stablecoin, its market, holders and backing.
	Model stablecoin.Model
	// Coupling is how it feeds into the pool.
	Coupling Coupling
}

// Validate reports every parameter outside its range; paths start with
// "stablecoin.".
func (s *Stablecoin) Validate(c *Config) error {
	var errs []error
	if s.Coupling > CouplingCollateral {
		errs = append(errs, fmt.Errorf("coupling: unknown coupling %d", s.Coupling))
	}
	if s.Coupling == CouplingAsset && s.Model.Supply > 0 && s.Model.Supply < c.Pool.Deposits*(1-c.Pool.Utilization) {
		errs = append(errs, fmt.Errorf("supply: %.6g tokens cannot back the pool's initial cash %.6g (asset coupling)",
			s.Model.Supply, c.Pool.Deposits*(1-c.Pool.Utilization)))
	}
	if err := s.Model.Validate(c.Step); err != nil {
		errs = append(errs, err)
	}
	return field.Prefix("stablecoin", errors.Join(errs...))
}

// checkHorizon reports the scheduled events that a path of horizon in
// steps of step never reaches: an event (and a bank failure) acts in the
// step that starts at its time, so one at or after the horizon would never
// happen. The guarantee and the recovery of a failed bank may come after
// the horizon: a crisis that is not resolved within it is a scenario.
func (s *Stablecoin) checkHorizon(horizon, step time.Duration) error {
	var errs []error
	check := func(path, what string, at time.Duration) {
		if at >= horizon && at <= 3650*24*time.Hour && at%step == 0 { // else Validate reports it
			errs = append(errs, fmt.Errorf("%s: must be before the horizon (%v), got %v: %s acts in the step that starts at its time, the last step starts at %v, so it would never happen; lengthen horizon or move it",
				path, horizon, at, what, horizon-step))
		}
	}
	for i, e := range s.Model.Events {
		check(fmt.Sprintf("events.%d.at", i), "an event", e.At)
	}
	if r := s.Model.Reserve; r != nil && r.Bank.Failure != nil {
		check("backing.bank.failure.at", "the failure", r.Bank.Failure.At)
	}
	return field.Prefix("stablecoin", errors.Join(errs...))
}
