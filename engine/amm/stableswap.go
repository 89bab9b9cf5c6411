package amm

import (
	"errors"
	"fmt"
	"math"
)

// StableSwap is Curve's StableSwap invariant for n coins:
//
//	Ann·S + D = Ann·D + D^(n+1) / (n^n·∏x),  S = Σx,  Ann = A·n
//
// Balances are in common units (each coin at its peg, e.g. USD). A is the
// amplification as Curve's contracts store and display it: the contracts use
// Ann = A·n where the whitepaper writes A·n^n, so the whitepaper's A equals
// this A divided by n^(n−1). Large A makes the curve flat (constant sum) near
// balance; A → 0 gives the constant product ∏x = (D/n)^n.
//
// The methods follow the contracts' get_D, get_y and get_dy: Newton iterations
// in float64 from the same starting points, stopped when a step changes the
// iterate by at most 1e-14 of its value (or, where rounding noise is larger,
// when the steps stop shrinking below 1e-9 of it), NaN if not converged after
// 1024 steps. (Curve's bound is 255 steps; far from balance get_D shrinks
// by only n/(n+1) per step, so an 8-coin pool imbalanced by more than about
// 1e13 needs more.)
// They never allocate, for any n, and never panic. They need n ≥ 2, A finite
// and > 0, Fee in [0, 1) and every balance finite and ≥ 0; otherwise they
// return NaN (see [StableSwap.Validate] for the ranges the engine accepts).
// A pool with a zero balance has D = 0 and admits no trade: the contracts
// divide by zero and revert there, Dy returns 0, Y and Price NaN.
type StableSwap struct {
	// A is the amplification coefficient as stored by Curve's contracts
	// (Ann = A·n), dimensionless in [1e-9, 1e6] (Curve's MAX_A is 1e6; the
	// methods accept any A > 0, but below 1e-9, where the pool is a constant
	// product anyway, intermediate terms can overflow).
	A float64
	// Fee is the fraction of the output kept by the pool, in [0, 0.5]
	// (0.0004 = 4 bp; Curve's MAX_FEE is 0.5).
	Fee float64
	// Balances are the pool's balances in common units, each finite and in
	// [1e-6, 1e15], for 2 to 8 coins.
	Balances []float64
}

// The Newton iterations stop when a step moves the iterate by at most
// newtonTol of its value, or, when rounding noise keeps the steps from
// shrinking below that, at the first step no smaller than the one before it
// once steps are below newtonNoise of the iterate. They give up (NaN) after
// newtonMaxIter steps.
const (
	newtonTol     = 1e-14
	newtonNoise   = 1e-9
	newtonMaxIter = 1024
)

// converged reports whether a Newton iteration that moved from prev to next,
// after a step of size last before it, should stop.
func converged(next, prev, last float64) bool {
	step := math.Abs(next - prev)
	return step <= newtonTol*next || step >= last && step <= newtonNoise*next
}

// Validate reports the parameters outside the ranges documented on the
// fields, in which the methods are tested to give finite, non-negative
// results.
func (p StableSwap) Validate() error {
	var errs []error
	if !(p.A >= 1e-9 && p.A <= 1e6) {
		errs = append(errs, fmt.Errorf("a: must be in [1e-9, 1e6], got %v", p.A))
	}
	if !(p.Fee >= 0 && p.Fee <= 0.5) {
		errs = append(errs, fmt.Errorf("fee: must be in [0, 0.5], got %v", p.Fee))
	}
	if n := len(p.Balances); n < 2 || n > 8 {
		errs = append(errs, fmt.Errorf("balances: must hold 2 to 8 coins, got %d", n))
	}
	for k, x := range p.Balances {
		if !(x >= 1e-6 && x <= 1e15) {
			errs = append(errs, fmt.Errorf("balances.%d: must be in [1e-6, 1e15], got %v", k, x))
		}
	}
	return errors.Join(errs...)
}

// valid reports whether the methods can compute anything for p.
func (p StableSwap) valid() bool {
	if len(p.Balances) < 2 || !(p.A > 0) || math.IsInf(p.A, 1) || !(p.Fee >= 0 && p.Fee < 1) {
		return false
	}
	for _, x := range p.Balances {
		if !(x >= 0) || math.IsInf(x, 1) {
			return false
		}
	}
	return true
}

// D is the invariant: the total of the balances when the pool is balanced,
// so D = Σx for equal balances and D < Σx otherwise. It is 0 when any
// balance is 0 (the limit as that balance goes to 0), and NaN for invalid
// parameters or if Newton's method did not converge.
func (p StableSwap) D() float64 {
	if !p.valid() {
		return math.NaN()
	}
	return p.d()
}

// d is D for valid parameters.
func (p StableSwap) d() float64 {
	n := float64(len(p.Balances))
	s := 0.0
	for _, x := range p.Balances {
		if x == 0 {
			return 0
		}
		s += x
	}
	ann := p.A * n
	d := s
	last := math.Inf(1)
	for range newtonMaxIter {
		// dp = D^(n+1) / (n^n·∏x), built factor by factor to stay in range.
		dp := d
		for _, x := range p.Balances {
			dp = dp * d / (x * n)
		}
		prev := d
		d = (ann*s + dp*n) * d / ((ann-1)*d + (n+1)*dp)
		if converged(d, prev, last) {
			return d
		}
		last = math.Abs(d - prev)
	}
	return math.NaN()
}

// Y is the balance of coin j that keeps D fixed when the balance of coin i
// becomes x (the other balances unchanged): Curve's get_y. Amounts are common
// units.
//
// Edge cases: i == j, an index out of range, x < 0 or NaN, or invalid
// parameters give NaN; x = 0 gives +Inf and x = +Inf gives 0 (the limits);
// a pool with a zero balance (D = 0) gives NaN.
func (p StableSwap) Y(i, j int, x float64) float64 {
	if !p.validPair(i, j) || !(x >= 0) {
		return math.NaN()
	}
	d := p.d()
	if !(d > 0) {
		return math.NaN()
	}
	return p.y(i, j, x, d)
}

// validPair reports whether p is valid and i, j are distinct coins.
func (p StableSwap) validPair(i, j int) bool {
	n := len(p.Balances)
	return p.valid() && i != j && i >= 0 && j >= 0 && i < n && j < n
}

// y is Y for valid parameters, x ≥ 0 and D = d > 0.
func (p StableSwap) y(i, j int, x, d float64) float64 {
	if x == 0 {
		return math.Inf(1)
	}
	if math.IsInf(x, 1) {
		return 0
	}
	n := float64(len(p.Balances))
	ann := p.A * n
	// y solves y² + (b − D)·y = c, with c = D^(n+1)/(n^n·∏'x·Ann) and
	// b = S' + D/Ann, where ∏' and S' run over the coins other than j.
	c := d
	s := 0.0
	for k, xk := range p.Balances {
		switch k {
		case j:
			continue
		case i:
			xk = x
		}
		s += xk
		c = c * d / (xk * n)
	}
	c = c * d / (ann * n)
	b := s + d/ann
	y := d
	last := math.Inf(1)
	for range newtonMaxIter {
		prev := y
		y = (y*y + c) / (2*y + b - d)
		if converged(y, prev, last) {
			return y
		}
		last = math.Abs(y - prev)
	}
	return math.NaN()
}

// Dy is the amount of coin j a swap of dx of coin i returns, after the fee:
// Curve's get_dy, (1 − Fee)·(x_j − Y(i, j, x_i + dx)). Amounts are common
// units. The contracts subtract one wei before the fee to round against the
// trader; this float version does not.
//
// Edge cases: dx ≤ 0 gives 0; dx = +Inf gives the whole balance of j after
// fee; a pool with a zero balance gives 0; i == j, an index out of range, NaN
// dx or invalid parameters give NaN. The result is clamped to
// [0, (1 − Fee)·x_j] against rounding.
func (p StableSwap) Dy(i, j int, dx float64) float64 {
	if !p.validPair(i, j) || math.IsNaN(dx) {
		return math.NaN()
	}
	if dx <= 0 {
		return 0
	}
	d := p.d()
	if !(d > 0) {
		if d == 0 {
			return 0
		}
		return math.NaN()
	}
	dy := p.Balances[j] - p.y(i, j, p.Balances[i]+dx, d)
	return max(dy, 0) * (1 - p.Fee)
}

// Price is the marginal price of coin i in units of coin j without fee: the
// limit of Dy(i, j, dx)/dx as dx → 0 for Fee = 0, from the invariant's
// gradient,
//
//	Price = (Ann·x_i + Dp)·x_j / ((Ann·x_j + Dp)·x_i),  Dp = D^(n+1)/(n^n·∏x),
//
// which is 1 for equal balances and x_j/x_i in the constant-product limit.
// Multiply by (1 − Fee) for the marginal rate a trader gets.
//
// Edge cases: i == j, an index out of range, invalid parameters, a zero
// balance (D = 0) or a failed convergence of D give NaN.
func (p StableSwap) Price(i, j int) float64 {
	if !p.validPair(i, j) {
		return math.NaN()
	}
	d := p.d()
	if !(d > 0) {
		return math.NaN()
	}
	n := float64(len(p.Balances))
	ann := p.A * n
	dp := d
	for _, x := range p.Balances {
		dp = dp * d / (x * n)
	}
	xi, xj := p.Balances[i], p.Balances[j]
	return (ann*xi + dp) * xj / ((ann*xj + dp) * xi)
}
