package lending

import (
	"errors"
	"fmt"
	"math"
)

// RateModel maps utilization to an annual borrow rate. [Kinked] and
// [JumpRate] implement it; the pool consumes it.
type RateModel interface {
	// BorrowRate is the annual borrow rate (fraction, 0.05 = 5 %) at
	// utilization u in [0, 1].
	BorrowRate(u float64) float64
	// Validate reports the parameters outside their ranges.
	Validate() error
}

// Kinked is Aave v3's default interest rate strategy
// (DefaultReserveInterestRateStrategy) for a reserve without stable debt:
//
//	BorrowRate(u) = Base + Slope1·u/Optimal                              for u ≤ Optimal
//	BorrowRate(u) = Base + Slope1 + Slope2·(u − Optimal)/(1 − Optimal)   for u > Optimal
//
// All rates are annual fractions.
type Kinked struct {
	// Base is the borrow rate at zero utilization, annual fraction in [0, 10].
	Base float64
	// Slope1 is the rate added between 0 and Optimal, annual fraction in [0, 10].
	Slope1 float64
	// Slope2 is the rate added between Optimal and 1, annual fraction in [0, 100].
	Slope2 float64
	// Optimal is the kink utilization, in (0, 1).
	Optimal float64
}

// BorrowRate is the annual borrow rate at utilization u.
func (m Kinked) BorrowRate(u float64) float64 {
	if u <= m.Optimal {
		return m.Base + m.Slope1*u/m.Optimal
	}
	return m.Base + m.Slope1 + m.Slope2*(u-m.Optimal)/(1-m.Optimal)
}

// Validate reports the parameters outside their ranges.
func (m Kinked) Validate() error {
	return errors.Join(
		inRange("base", m.Base, 0, 10),
		inRange("slope1", m.Slope1, 0, 10),
		inRange("slope2", m.Slope2, 0, 100),
		openRange("optimal", m.Optimal, 0, 1),
	)
}

// JumpRate is Compound v2's JumpRateModelV2 in annual terms:
//
//	BorrowRate(u) = Base + Multiplier·min(u, Kink)/Kink + JumpMultiplier·max(0, u − Kink)
//	SupplyRate(u, rf) = BorrowRate(u)·u·(1 − rf)
//
// Compound's contract stores multiplierPerBlock = Multiplier/(blocksPerYear·Kink);
// here Multiplier is the rate added between 0 and Kink, and JumpMultiplier the
// slope per unit of utilization above Kink, both annual fractions.
type JumpRate struct {
	// Base is the borrow rate at zero utilization, annual fraction in [0, 10].
	Base float64
	// Multiplier is the rate added from 0 to Kink, annual fraction in [0, 10].
	Multiplier float64
	// JumpMultiplier is the slope above Kink, annual fraction per unit of
	// utilization, in [0, 1000].
	JumpMultiplier float64
	// Kink is the utilization where the jump starts, in (0, 1].
	Kink float64
}

// BorrowRate is the annual borrow rate at utilization u.
func (m JumpRate) BorrowRate(u float64) float64 {
	return m.Base + m.Multiplier*min(u, m.Kink)/m.Kink + m.JumpMultiplier*max(0, u-m.Kink)
}

// SupplyRate is the depositors' annual rate at utilization u with reserve
// factor reserveFactor (fraction of interest kept by the protocol).
func (m JumpRate) SupplyRate(u, reserveFactor float64) float64 {
	return m.BorrowRate(u) * u * (1 - reserveFactor)
}

// Validate reports the parameters outside their ranges.
func (m JumpRate) Validate() error {
	err := errors.Join(
		inRange("base", m.Base, 0, 10),
		inRange("multiplier", m.Multiplier, 0, 10),
		inRange("jump_multiplier", m.JumpMultiplier, 0, 1000),
	)
	if !(m.Kink > 0 && m.Kink <= 1) {
		err = errors.Join(err, fmt.Errorf("kink: must be in (0, 1], got %v", m.Kink))
	}
	return err
}

// SupplyRate is the depositors' annual rate for a borrow rate at utilization
// u (Aave v3 without stable debt): borrowRate·u·(1 − reserveFactor).
func SupplyRate(borrowRate, u, reserveFactor float64) float64 {
	return borrowRate * u * (1 - reserveFactor)
}

// Utilization is borrows / (cash + borrows − reserves) (Compound v2); 0 when
// borrows are 0.
func Utilization(cash, borrows, reserves float64) float64 {
	if borrows == 0 {
		return 0
	}
	return borrows / (cash + borrows - reserves)
}

func inRange(name string, v, lo, hi float64) error {
	if v >= lo && v <= hi && !math.IsNaN(v) {
		return nil
	}
	return fmt.Errorf("%s: must be in [%v, %v], got %v", name, lo, hi, v)
}

func openRange(name string, v, lo, hi float64) error {
	if v > lo && v < hi {
		return nil
	}
	return fmt.Errorf("%s: must be in (%v, %v), got %v", name, lo, hi, v)
}
