package engine

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/spiralrisk/spiral/engine/internal/field"
	"github.com/spiralrisk/spiral/engine/lending"
	"github.com/spiralrisk/spiral/stochastic"
)

// Config is everything one run needs: the model of a path and how many paths
// to run. It is built by the experiments package from a scenario file and is
// shared read-only by all workers.
type Config struct {
	// Seed keys every random stream of the run, any value.
	Seed uint64
	// Paths is the number of Monte Carlo paths, in [1, 1e9].
	Paths int
	// Horizon is the simulated time of one path, in [Step, 3650d].
	Horizon time.Duration
	// Step is the length of one step, in [1m, 7d]; Horizon must be a whole
	// number of steps.
	Step time.Duration
	// Start is the calendar time at which paths start (UTC); only a
	// stablecoin's redemption calendar reads it.
	Start time.Time

	// Price is the exogenous collateral price process (USD).
	Price stochastic.PriceProcess
	// Pool is the lending pool's initial state, rate model and caps.
	Pool lending.Params
	// Borrowers is how borrowers respond to the borrow rate.
	Borrowers Borrowers
	// Withdrawals is how depositors request withdrawals.
	Withdrawals stochastic.WithdrawalBehaviour
	// Inflow is how new deposits arrive.
	Inflow Inflow
	// Liquidation adds a position book, keepers, a DEX and an oracle: the
	// liquidation spiral. Nil leaves the pool without liquidatable positions.
	Liquidation *Liquidation
	// Stablecoin adds a stablecoin run coupled to the pool. Nil: none.
	Stablecoin *Stablecoin
	// Policy adds circuit breakers: pauses, governance changes, stewards.
	// Nil: none (the pool's and the rules' parameters never change).
	Policy *Policy
	// Trace selects the paths whose per-step series are recorded.
	Trace Trace
	// Warnings are the early-warning indicators' thresholds; the zero
	// value turns every indicator off.
	Warnings Warnings
}

// Trace selects which paths record a per-step series: the paths
// [First, First+Paths). Tracing records what a path did; it changes nothing
// in it, so a path's summary is the same traced or not.
type Trace struct {
	// First is the first traced path, a path index in [0, Config.Paths); 0
	// for the scenario's outputs.trace_paths, a path's own index to trace
	// that path alone (spiral replay).
	First int
	// Paths is how many paths, counted from path First, record their
	// series, in [0, Config.Paths − First] (larger values are clamped).
	Paths int
	// Every records one point every Every steps (and always the last step),
	// in [1, steps].
	Every int
}

// Steps is the number of steps in the horizon.
func (c *Config) Steps() int { return int(c.Horizon / c.Step) }

// Dt is the step length in years (365 days).
func (c *Config) Dt() float64 { return c.Step.Hours() / (24 * stochastic.DaysPerYear) }

// Traced reports whether path records its per-step series.
func (c *Config) Traced(path int) bool {
	return path >= c.Trace.First && path-c.Trace.First < c.Trace.Paths
}

// Validate reports every parameter outside its range.
func (c *Config) Validate() error {
	var errs []error
	add := func(path string, err error) {
		if err != nil {
			errs = append(errs, field.Prefix(path, err))
		}
	}
	if c.Paths < 1 || c.Paths > 1e9 {
		add("paths", fmt.Errorf("must be in [1, 1e9], got %d", c.Paths))
	}
	horizonOK := false
	if c.Step < time.Minute || c.Step > 7*24*time.Hour {
		add("step", fmt.Errorf("must be in [1m, 7d], got %v", c.Step))
	} else if c.Horizon < c.Step || c.Horizon > 3650*24*time.Hour {
		add("horizon", fmt.Errorf("must be in [step, 3650d], got %v", c.Horizon))
	} else if c.Horizon%c.Step != 0 {
		add("horizon", fmt.Errorf("must be a whole number of steps (%v), got %v", c.Step, c.Horizon))
	} else {
		horizonOK = true
	}
	if c.Price == nil {
		add("market.price", errors.New("missing"))
	} else if err := c.Price.Validate(); err != nil {
		add("market.price", err)
	} else {
		if c.Step > 0 {
			// Processes defined on their own time grid (GARCH, bootstrap)
			// accept only steps that fit it; the problem is the step's.
			// The error already reads "step: …".
			if err := stochastic.CheckStep(c.Price, c.Dt()); err != nil {
				errs = append(errs, err)
			}
		}
		if horizonOK {
			// A scripted point or a bridge's target after the horizon
			// would make the scripted move only partly happen.
			add("market.price", stochastic.CheckHorizon(c.Price, c.Horizon))
		}
	}
	add("pool", c.Pool.Validate())
	add("pool.borrowers", c.Borrowers.Validate())
	if c.Withdrawals == nil {
		add("depositors.withdrawals", errors.New("missing"))
	} else {
		add("depositors.withdrawals", c.Withdrawals.Validate())
	}
	add("depositors.inflow", c.Inflow.Validate())
	if c.Liquidation != nil {
		if err := c.Liquidation.Validate(c); err != nil {
			errs = append(errs, err)
		}
	}
	if c.Stablecoin != nil {
		if err := c.Stablecoin.Validate(c); err != nil {
			errs = append(errs, err)
		}
		if horizonOK {
			if err := c.Stablecoin.checkHorizon(c.Horizon, c.Step); err != nil {
				errs = append(errs, err)
			}
		}
	}
	if c.Policy != nil && c.Step > 0 {
		if err := c.Policy.Validate(c); err != nil {
			errs = append(errs, err)
		}
	}
	if c.Trace.First < 0 || c.Paths >= 1 && c.Trace.First >= c.Paths {
		add("outputs.trace_first", fmt.Errorf("must be a path in [0, paths = %d), got %d", c.Paths, c.Trace.First))
	}
	if c.Trace.Paths < 0 {
		add("outputs.trace_paths", fmt.Errorf("must be ≥ 0, got %d", c.Trace.Paths))
	}
	if c.Trace.Every < 1 {
		add("outputs.trace_every", fmt.Errorf("must be ≥ 1 step, got %d", c.Trace.Every))
	}
	add("outputs.warnings", c.Warnings.Validate())
	return errors.Join(errs...)
}

// Problems splits an error returned by [Config.Validate] into its leaves;
// each reads "field.path: message", the path using the scenario file's
// snake_case names.
func Problems(err error) []error { return field.Leaves(err) }

// Borrowers is how the pool's borrowers react to the borrow rate. Above
// ToleranceAPR they repay a share of their debt each day that grows with the
// relative excess (r − ToleranceAPR)/ToleranceAPR; below CheapAPR they borrow
// more in proportion to (CheapAPR − r)/CheapAPR. Both are bounded per day,
// and new borrowing is further limited by the borrow cap and by the cash not
// owed to queued withdrawals.
type Borrowers struct {
	// ToleranceAPR is the annual borrow rate above which borrowers repay,
	// fraction in (0, 100].
	ToleranceAPR float64
	// RepayElasticity is the fraction of borrows repaid per day per unit of
	// relative excess rate, in [0, 10].
	RepayElasticity float64
	// MaxRepayPerDay caps repayments, fraction of borrows per day in [0, 1].
	MaxRepayPerDay float64
	// CheapAPR is the annual borrow rate below which borrowers borrow more,
	// fraction in [0, ToleranceAPR].
	CheapAPR float64
	// BorrowElasticity is the fraction of borrows added per day per unit of
	// relative shortfall below CheapAPR, in [0, 10].
	BorrowElasticity float64
	// MaxBorrowPerDay caps new borrowing, fraction of borrows per day in [0, 1].
	MaxBorrowPerDay float64
}

// Validate reports every parameter outside its range.
func (b Borrowers) Validate() error {
	return errors.Join(
		check("tolerance_apr", b.ToleranceAPR > 0 && b.ToleranceAPR <= 100, "(0, 100]", b.ToleranceAPR),
		check("repay_elasticity", b.RepayElasticity >= 0 && b.RepayElasticity <= 10, "[0, 10]", b.RepayElasticity),
		check("max_repay_per_day", b.MaxRepayPerDay >= 0 && b.MaxRepayPerDay <= 1, "[0, 1]", b.MaxRepayPerDay),
		check("cheap_apr", b.CheapAPR >= 0 && b.CheapAPR <= b.ToleranceAPR, "[0, tolerance_apr]", b.CheapAPR),
		check("borrow_elasticity", b.BorrowElasticity >= 0 && b.BorrowElasticity <= 10, "[0, 10]", b.BorrowElasticity),
		check("max_borrow_per_day", b.MaxBorrowPerDay >= 0 && b.MaxBorrowPerDay <= 1, "[0, 1]", b.MaxBorrowPerDay),
	)
}

// Inflow is how new deposits arrive. Per day, new deposits as a fraction of
// the initial deposits are
//
//	(Baseline + Attraction·max(0, s − ReferenceAPR)/ReferenceAPR)·exp(−PanicDamping·λ)·ε
//
// where s is the supply APR, λ the depositors' panic intensity (per day) and
// ε lognormal noise with mean 1 and log-sd NoiseSigma. The supply cap bounds
// the total.
type Inflow struct {
	// Baseline is the calm inflow, fraction of initial deposits per day, in [0, 1].
	Baseline float64
	// Attraction is the extra inflow per unit of relative excess supply APR,
	// fraction of initial deposits per day, in [0, 10].
	Attraction float64
	// ReferenceAPR is the yield depositors can earn elsewhere, annual
	// fraction in (0, 10].
	ReferenceAPR float64
	// PanicDamping scales how strongly panic deters new deposits, days, in
	// [0, 1e4] (intensity is per day).
	PanicDamping float64
	// NoiseSigma is the log-sd of the multiplicative noise, in [0, 3].
	NoiseSigma float64
}

// Validate reports every parameter outside its range.
func (f Inflow) Validate() error {
	return errors.Join(
		check("baseline", f.Baseline >= 0 && f.Baseline <= 1, "[0, 1]", f.Baseline),
		check("attraction", f.Attraction >= 0 && f.Attraction <= 10, "[0, 10]", f.Attraction),
		check("reference_apr", f.ReferenceAPR > 0 && f.ReferenceAPR <= 10, "(0, 10]", f.ReferenceAPR),
		check("panic_damping", f.PanicDamping >= 0 && f.PanicDamping <= 1e4, "[0, 1e4]", f.PanicDamping),
		check("noise_sigma", f.NoiseSigma >= 0 && f.NoiseSigma <= 3, "[0, 3]", f.NoiseSigma),
	)
}

// check returns an error naming field when ok is false. NaN fails every
// range comparison, so it is always reported.
func check(field string, ok bool, want string, got float64) error {
	if ok && !math.IsNaN(got) {
		return nil
	}
	return fmt.Errorf("%s: must be in %s, got %v", field, want, got)
}
